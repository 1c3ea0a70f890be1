"""segments sub-package of the engine."""
