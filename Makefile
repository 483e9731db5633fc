# Tumbuh: `make run` to talk to it locally, `make test` to test everything. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := scripts/services.sh
# `make run KEEP=1` (or `make serve KEEP=1`) keeps PostgreSQL's data between runs, in .run/postgres (a folder
# instead of 1 keeps it there); without KEEP each run starts from an empty database.
KEEP_DATA = $(if $(filter-out 0,$(KEEP)),TUMBUH_KEEP_DATA='$(KEEP)' )
KADER ?= 6281300000009

.PHONY: advice-doc demo-kader demo-dashboard run serve test bench bench-cold-start bench-growth bench-charts bench-handoff bench-webhook bench-crash bench-sheet bench-reminders bench-backup bench-dashboard venv services clean help

help:
	@echo "make run     services + functions + the WhatsApp chat simulator"
	@echo "make test    services + every Python and Apps Script test"
	@echo "make serve   services + the three functions in the foreground (:8080 :8081 :8082)"
	@echo "make run KEEP=1  the same, keeping the PostgreSQL data for the next run"
	@echo "make demo-kader  add a demo posyandu, kader (KADER=...) and bidan to the running make run's database"
	@echo "make bench   every benchmark in bench/"
	@echo "make advice-doc  regenerate docs/advice.md from the advice matrix and the catalogue"

# The venv is rebuilt when a requirements file changes; the stamp records the last good install.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (3.11 or 3.12)"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || scripts/ensure_venv_support.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

services:
	@$(SERVICES) install

run: venv services
	@$(KEEP_DATA)$(SERVICES) run -- $(PY) scripts/dev.py run

serve: venv services
	@$(KEEP_DATA)$(SERVICES) run -- $(PY) scripts/dev.py serve

# Needs a running `make run` (or `make serve`): it finds that run's database through .run/running.json.
demo-kader: venv
	@$(PY) scripts/demo.py --kader '$(KADER)'

# Also needs a running `make run`: adds Posyandu Kenanga with a bidan, a kader and a year of made-up children.
demo-dashboard: venv
	@$(PY) scripts/demo_dashboard.py

test: venv services
	@$(SERVICES) run -- scripts/test.sh

# docs/advice.md is generated from the advice matrix and the catalogue; a test checks it is up to date.
advice-doc: venv
	$(PY) scripts/advice_doc.py > docs/advice.md

bench: bench-cold-start bench-growth bench-charts bench-handoff bench-webhook bench-sheet bench-reminders bench-backup bench-dashboard

bench-cold-start: venv
	$(PY) bench/cold_start.py

bench-growth: venv
	$(PY) bench/growth.py

bench-charts: venv
	$(PY) bench/charts.py

bench-handoff: venv services
	@$(SERVICES) run -- $(PY) bench/chart_handoff.py

# Not part of `make bench` (about three minutes): kills the webhook mid-batch and counts lost and doubled messages.
bench-crash: venv services
	@$(SERVICES) run -- $(PY) bench/crash_probe.py

bench-webhook: venv services
	@$(SERVICES) run -- $(PY) bench/webhook.py

bench-sheet: venv services
	@$(SERVICES) run -- $(PY) bench/sheet.py

bench-reminders: venv services
	@$(SERVICES) run -- $(PY) bench/reminders.py

bench-backup: venv services
	@$(SERVICES) run -- $(PY) bench/backup.py

bench-dashboard: venv services
	@$(SERVICES) run -- $(PY) bench/dashboard.py

clean:
	@$(SERVICES) clean
	rm -rf build .run .pytest_cache
