# Onward: the README's two commands, and a few helpers.
#   make run    set up everything and serve http://127.0.0.1:5000 (SQLite in instance/),
#               with the job queue's worker beside it (honcho runs Procfile.dev)
#   make test   set up what tests need (the system Chromium too) and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := ONWARD_ENV=development $(BIN)/flask --app webapp
CHROMIUM ?= /usr/bin/chromium
HTMX_VERSION ?= 2.0.11

.PHONY: run test install install-test browser migrate lint bench vendor icons screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall only when the dependency files change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

# honcho starts web and worker and, on Ctrl-C, stops both (SIGTERM; the worker finishes its
# task or puts it back within 3 s). Unbuffered, their log lines show up as they happen.
run: migrate
	PATH="$(abspath $(BIN)):$$PATH" ONWARD_ENV=development PYTHONUNBUFFERED=1 \
	  $(BIN)/honcho start -f Procfile.dev

# The browser tests drive Debian's Chromium (Playwright never downloads one here).
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium for the browser tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "The browser tests need Chromium. Install it with:"; \
	    echo "  sudo apt-get install -y chromium fonts-dejavu-core"; \
	    exit 1; \
	  fi; \
	fi

test: install-test browser
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff (with its security rules), the import layers (pyproject's [tool.importlinter]) and
# bandit's medium and high findings.
lint: install-test
	$(BIN)/ruff check webapp tests migrations/env.py
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/bandit -q -r webapp -ll

bench: install-test
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# The PNG icons from static/icons/icon.svg, and the install sheet's screenshots from the
# demo account, both drawn by the system Chromium; the results are committed.
icons: install-test browser
	$(BIN)/python scripts/make_icons.py

screenshots: install-test browser
	$(BIN)/python scripts/make_screenshots.py

vendor:
	cd /tmp && npm pack htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz
	cp /tmp/package/dist/htmx.min.js static/vendor/htmx/htmx-$(HTMX_VERSION).min.js
	cp /tmp/package/LICENSE static/vendor/htmx/LICENSE
	sha256sum static/vendor/htmx/htmx-$(HTMX_VERSION).min.js

clean:
	rm -rf $(VENV) .pytest_cache test-results
