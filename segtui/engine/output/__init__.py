"""output sub-package of the engine."""
