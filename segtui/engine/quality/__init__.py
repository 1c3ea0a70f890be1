"""quality sub-package of the engine."""
