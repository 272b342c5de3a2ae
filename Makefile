# dunning_automation: run and test commands (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= scripts/python
DB ?= dunning
HTTP_PORT ?= 8069

.PHONY: help deps run test lint bench bench-risk bench-portal stop-db pot readme bench-payment

help:
	@echo "make run    install what is missing, create database '$(DB)' with demo data, serve http://localhost:$(HTTP_PORT)"
	@echo "make test   run the addon's full test suite on a throwaway database"
	@echo "            (make test TAGS=/dunning_automation:TestPortal: only those tests, no harness)"
	@echo "make lint   OCA's linters: ruff (.ruff.toml), ruff format, pylint-odoo (.pylintrc-mandatory)"
	@echo "make bench  time one full dunning evaluation (bench/README.md)"
	@echo "make bench-risk  time the risk model's retrain in Odoo, stage by stage (bench/README.md)"
	@echo "make bench-portal  time the account statement of a customer with 1,000 open invoices"
	@echo "make chaos  the full fault harness (kills, injected faults, races) with its table of figures"
	@echo "make bench-queue  a run on OCA queue_job with 1, 2 and 4 job workers (bench/README.md)"
	@echo "make bench-payment  simulate 1,000 failed card payments: smart retries against a daily retry"
	@echo "make bench-analytics  time the dashboard queries on 1,000,000 receivable lines"
	@echo "make stop-db  stop the private PostgreSQL cluster"

deps:
	@scripts/install_deps.sh

run: deps
	@scripts/run.sh "$(DB)" "$(HTTP_PORT)"

test: deps
	@TAGS="$(TAGS)" scripts/test.sh

lint: deps
	@scripts/lint.sh

bench: deps
	@scripts/bench.sh

bench-risk: deps
	@scripts/bench_risk.sh

bench-portal: deps
	@opts=$$(scripts/pg.sh start) && $(PYTHON) bench/bench_portal.py $$opts

pot: deps
	@scripts/export_pot.sh

readme:
	@python3 scripts/gen_readme.py

stop-db:
	@scripts/pg.sh stop

bench-payment: deps
	@$(PYTHON) bench/bench_payment_retry.py

.PHONY: bench-payment bench-analytics
bench-analytics: deps
	@opts=$$(scripts/pg.sh start) && $(PYTHON) bench/bench_analytics.py $$opts

.PHONY: chaos bench-queue
chaos: deps
	@scripts/chaos.sh

bench-queue: deps
	@opts=$$(scripts/pg.sh start) && $(PYTHON) bench/bench_queue.py $$opts --invoices $${INVOICES:-10000} --partners $${PARTNERS:-1000}
