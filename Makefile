# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
RELATA := $(BIN)/relata
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
DEMO_CUSTOMERS ?= 5000

.PHONY: install demo serve test test-sqlite test-postgres lint messages bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Feedback before scoring (snapshots carry NPS and influence); the latest period is scored
# again after demo-engagement, so its snapshots count the referrals and campaign orders too.
demo: install
	$(RELATA) migrate --noinput
	$(RELATA) demo-data --customers $(DEMO_CUSTOMERS) --years 4 --seed 42 --if-empty
	$(RELATA) demo-users
	$(RELATA) demo-feedback --if-empty
	$(RELATA) score --backfill quarterly --if-missing
	$(RELATA) offers
	$(RELATA) demo-engagement
	$(RELATA) score
	$(RELATA) run-triggers
	@echo ""
	@echo "  Relata runs on http://127.0.0.1:$(PORT)/   log in as: demo / demo"
	@echo ""
	$(RELATA) runserver --noreload 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
	$(RELATA) makemigrations --check --dry-run

test-sqlite: install
	$(BIN)/pytest -p no:cacheprovider -n 2

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -p no:cacheprovider -n 2 -m "not browser"

test: lint test-sqlite test-postgres

messages: install
	cd src/relata && ../../$(RELATA) makemessages -l nl --no-obsolete --add-location file && ../../$(RELATA) compilemessages -l nl

bench: install
	@ls benchmarks/*.py

clean:
	rm -rf $(VENV) data/relata.sqlite3*
