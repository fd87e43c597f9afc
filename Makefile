# The two commands of the project: `make run` and `make test`. Both set everything up first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Pinned here, not in pyproject.toml: an unpinned torch may pull a newer multi-GB build.
TORCH  := torch==2.14.1 torchvision==0.29.1
# tcmalloc where the system has it (apt-get install libtcmalloc-minimal4): glibc's malloc maps
# and faults in torch's large CPU tensors afresh every iteration (docs/performance.md).
TCMALLOC := $(firstword $(wildcard /usr/lib/*/libtcmalloc_minimal.so.4 /usr/lib64/libtcmalloc_minimal.so.4 /usr/lib/libtcmalloc_minimal.so.4))
ENGINE := $(if $(TCMALLOC),LD_PRELOAD=$(TCMALLOC) )$(PY)

.PHONY: setup run test bench bench-quality bench-clip bench-grid bench-bot bench-load bench-abuse bench-broker bench-memory bench-profile example-card lint

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[dev,engine]' $(TORCH)
	touch $(STAMP)

run: setup
	$(ENGINE) -m bot

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

bench: setup
	$(ENGINE) bench/bench.py

bench-quality: setup
	$(ENGINE) bench/quality.py --sheet examples/quality_sheet.jpg

bench-clip: setup
	$(ENGINE) bench/clip.py --strip examples/clip_strip.jpg --animation examples/clip_pan.gif

bench-grid: setup
	$(ENGINE) bench/grid.py --sheet examples/grid.jpg

bench-bot: setup
	$(ENGINE) bench/bot_latency.py

bench-load: setup
	$(ENGINE) bench/load.py

bench-abuse: setup
	$(ENGINE) bench/abuse.py

bench-broker: setup
	$(ENGINE) bench/broker.py

bench-memory: setup
	$(ENGINE) bench/memory.py

bench-profile: setup
	$(ENGINE) bench/iteration_profile.py

example-card: setup
	$(PY) examples/render_card.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m ruff format --check .
