"""The standard normal quantile of every 95% interval, once (no scipy import needed)."""

#: ``scipy.stats.norm.ppf(0.975)``: the half-width of a 95% Wald interval in SEs.
Z_95 = 1.959963984540054
