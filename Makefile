# Set-up and entry points. `make run` and `make test` each work on a fresh Debian machine:
# they install the Debian data package and a virtual environment first when missing.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
export KEDRO_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1

.PHONY: setup run test data-package

setup: data-package $(STAMP)

data-package:
	@test -f $(FASHION_MNIST) || { \
	  (apt-get update -qq || sudo apt-get update -qq) && \
	  (apt-get install -y -qq dataset-fashion-mnist || sudo apt-get install -y -qq dataset-fashion-mnist); }

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: setup
	$(VENV)/bin/kedro run

test: setup
	$(VENV)/bin/pytest -q
