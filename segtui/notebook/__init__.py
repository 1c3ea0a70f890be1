"""The notebook face: result objects that render in Jupyter and the work behind the public
functions of :mod:`segtui`. The engine never imports this package."""
