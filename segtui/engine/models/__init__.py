"""models sub-package of the engine."""
