"""The marks of synthetic data, without the generator's imports (numpy, pandas, scipy):
read by the registry's lineage on every page's first run, before any model is loaded."""

#: The shipped cohort: ``python -m risk generate --n 1000 --seed 20250517
#: --out data/synthetic/cohort.csv``.
SHIPPED_SEED = 20250517
SHIPPED_N = 1000
#: SHA-256 of data/synthetic/cohort.csv: a model trained on this file is synthetic
#: (risk.registry.lineage); a test checks the file against it.
SHIPPED_SHA256 = "7875eb4a31c586cb026804aa4fd35b2ba07749de9ae4172ee6fcecaad50af41f"
#: Every patient id the generator writes starts with this: a cohort whose ids all do is
#: synthetic (the model card records it; risk.registry.lineage reads it).
SYNTHETIC_ID_PREFIX = "SYN-"
