# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
# `make run PORT=8080` serves on another port (printed QR codes follow unless PUBLIC_BASE_URL is set).
PORT ?= 8000

.PHONY: run test lint lock install install-dev messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files: every transitive dependency pinned, with hashes (`make lock` writes them).
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "GasLabel is starting on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/, health: http://127.0.0.1:$(PORT)/health/)  Ctrl-C stops web, workers and beat."
	PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/honcho start -f Procfile -p $(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-resolve requirements.txt / requirements-dev.txt (direct pins, one reason a line) into the lock files.
# The dev lock is constrained by the runtime lock, so `make run` and CI get the same version of every package.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --no-emit-trusted-host
lock: install-dev
	$(LOCK) --output-file requirements.lock requirements.txt
	$(LOCK) --constraint requirements.lock --output-file requirements-dev.lock requirements-dev.txt

# Rebuild the translation catalogues after changing strings (the .mo files are committed).
messages: install-dev
	$(BIN)/python manage.py makemessages -l en -l zh_Hans --no-location --ignore .venv --ignore var
	$(BIN)/python manage.py compilemessages --ignore .venv

clean:
	rm -rf $(VENV) var
