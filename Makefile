# The two commands of the project: `make run` and `make test`. Both set everything up first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Pinned here, not in pyproject.toml: an unpinned torch may pull a newer multi-GB build.
TORCH  := torch==2.14.1 torchvision==0.29.1

.PHONY: setup run test bench bench-quality bench-bot bench-load bench-broker bench-memory bench-profile example-card lint

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[dev,engine]' $(TORCH)
	touch $(STAMP)

run: setup
	$(PY) -m bot

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench.py

bench-quality: setup
	$(PY) bench/quality.py --sheet examples/quality_sheet.jpg

bench-bot: setup
	$(PY) bench/bot_latency.py

bench-load: setup
	$(PY) bench/load.py

bench-broker: setup
	$(PY) bench/broker.py

bench-memory: setup
	$(PY) bench/memory.py

bench-profile: setup
	$(PY) bench/iteration_profile.py

example-card: setup
	$(PY) examples/render_card.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m ruff format --check .
