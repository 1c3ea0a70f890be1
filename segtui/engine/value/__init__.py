"""Customer value: BG/NBD (purchases, P(alive)), Gamma-Gamma (order value), CLV, lifecycle
stages and the holdout check. Time is measured in weeks (``TIME_UNIT``)."""
