"""features sub-package of the engine."""
