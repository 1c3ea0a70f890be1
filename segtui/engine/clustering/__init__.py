"""clustering sub-package of the engine."""
