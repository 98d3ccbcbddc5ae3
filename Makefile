# Two commands: `make run` starts the app, `make test` runs the whole suite.
# Both set up .venv from the pinned requirements on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCALE := src/risk/locale

.PHONY: run test lint bench coverage model testpack chai cohort setup clean browser-deps messages locale

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m risk.i18n.compile
	touch $(STAMP)

setup: $(STAMP)

# Loopback only (this computer) by default; `make run ADDRESS=0.0.0.0` serves the clinic
# network, where sign-in is then required (README, "Serving on a network").
# riskapp.serve loads the model before the port opens, then runs `streamlit run app.py`.
ADDRESS ?= 127.0.0.1
run: $(STAMP)
	$(PY) -m riskapp.serve --server.address $(ADDRESS)

# The catalogues: `make messages` extracts every msgid (babel) into the template and merges
# it into each language's .po, keeping its header (translate the new entries there); `make locale` compiles the
# .mo files the app reads (committed; a test checks they match the .po).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract --mapping-file babel.cfg --keywords N_ --add-comments TRANSLATORS: \
	  --no-location --sort-output --project risk --output-file $(LOCALE)/messages.pot .
	$(PY) -m risk.i18n.update

locale: $(STAMP)
	$(PY) -m risk.i18n.compile

# Browser tests need Debian's chromium, and the Chinese PDF Debian's Noto CJK fonts;
# installed here when missing (root, apt).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
browser-deps:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: /usr/bin/chromium missing; browser tests will fail"; }
	@test -f $(CJK_FONT) || { command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
	  || echo "warning: $(CJK_FONT) missing; the Chinese PDF report cannot be made"; }

test: $(STAMP) browser-deps
	$(VENV)/bin/ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m benchmarks

# Coverage of the 95% intervals on simulated hospitals (200 cohorts x n = 300, 1000, 5000
# on 2 workers, about 10 minutes); quick run: make coverage ARGS="--cohorts 20 --n 300"
coverage: $(STAMP)
	$(PY) -m benchmarks.bench_coverage $(ARGS)

# Rebuild the shipped cohort and model (deterministic: same file, same coefficients).
cohort: $(STAMP)
	$(PY) -m risk generate --n 1000 --seed 20250517 --out data/synthetic/cohort.csv

# With models/synthetic-v1 present this refits and checks the coefficients and baselines
# equal the shipped ones (nothing is written); after a deliberate model change:
# rm -rf models/synthetic-v1 && make model (saves it again with a stored validation and
# its reference test pack, signed by this site's key), then sign it with the release key:
# $(PY) -m risk keys sign synthetic-v1 --key /work/keys/release-ed25519.pem
model: $(STAMP)
	$(PY) -m risk train --data data/synthetic/cohort.csv --model-dir models --version synthetic-v1 \
	  --reproduce --activate --evaluate 200

# The reference test pack of the shipped version, saved before packs existed: computed,
# stored as models/synthetic-v1/testpack.csv and listed in its manifest, which KEY (the
# release key; default the site's key) signs again; then re-computed (models verify).
# Once, by the release manager: make testpack KEY=/path/to/release-ed25519.pem
testpack: $(STAMP)
	$(PY) -m risk models --model-dir models testpack synthetic-v1 --store $(if $(KEY),--key $(KEY))
	$(PY) -m risk models --model-dir models verify synthetic-v1

# The CHAI Applied Model Card of the shipped version, saved before CHAI cards existed:
# built from its card, stored as models/synthetic-v1/chai_card.json and listed in its
# manifest, which KEY signs again. Once, by the release manager: make chai KEY=...
chai: $(STAMP)
	$(PY) -m risk models --model-dir models chai synthetic-v1 --store $(if $(KEY),--key $(KEY))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
