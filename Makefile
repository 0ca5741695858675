# Two entry points for a fresh machine (nothing but Python 3 needed):
#   make book  - set up .venv if missing, build the book into _build/html
#   make test  - set up .venv if missing, run every test (unit, nbval, book build)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# datasets: $RAMANUJAN_LTH_DATA if set, else the offline subsets beside the
# repository when present, else torchvision downloads them
ifeq ($(RAMANUJAN_LTH_DATA),)
ifneq ($(wildcard ../shared/data),)
export RAMANUJAN_LTH_DATA := $(abspath ../shared/data)
endif
endif

.PHONY: book test venv bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[book,test]"
	touch $(STAMP)

book: $(STAMP)
	OMP_NUM_THREADS=1 $(VENV)/bin/jupyter-book build --all .  # one thread per process, as CI and the stored runs
	@echo "book: open _build/html/index.html"

NBVAL := _build/nbval

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	rm -rf $(NBVAL) && mkdir -p $(NBVAL)
	for f in chapters/*.md; do $(VENV)/bin/jupytext --quiet --to ipynb -o $(NBVAL)/$$(basename $$f .md).ipynb $$f || exit 1; done
	$(PY) -m pytest tests $(NBVAL) --nbval-lax --nbval-current-env

bench: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) benchmarks/spectral.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/analyse.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/train_throughput.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/batched_seeds.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/forks.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/precision.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/scale_out.py

clean:
	rm -rf _build
