"""io sub-package of the engine."""
