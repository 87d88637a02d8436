# Shortcuts over scripts/: each target does what its script does, nothing more.
#   make run | test | ci | lint | format | lock | messages
#   make test ARGS="tests/places -x"     (arguments for pytest)

VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=
export VENV_DIR := $(abspath $(VENV))

.PHONY: run test ci lint format lock messages bootstrap

bootstrap:
	bash scripts/bootstrap.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

ci:
	bash .ci/run $(ARGS)

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy victo_crm
	$(VENV)/bin/lint-imports --no-cache

format: bootstrap
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-compile requirements.lock from pyproject.toml (then `make bootstrap` installs it).
# Works even when the current lock no longer installs: only a bare venv and uv are needed.
lock:
	test -x $(PY) || python3 -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock --quiet

# French is the source language; English is the translation to fill in.
# Needs GNU gettext (msgfmt): apt-get install -y gettext
messages: bootstrap
	$(PY) manage.py makemessages -l fr -l en --no-obsolete --no-location --ignore '.venv/*' --ignore '.venv-*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) scripts/i18n.py fill-fr
	@echo "English entries still to translate:"; $(PY) scripts/i18n.py untranslated en
	$(PY) manage.py compilemessages --ignore '.*' --ignore 'var' --ignore 'node_modules'
