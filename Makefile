# The two commands of the README, and the helpers they stand on.
#   make demo   install, migrate, load demo data, run web + Celery worker + beat (Ctrl-C stops all three)
#   make test   install and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT   ?= 8000

.PHONY: demo test bench lint catalogues check-compose clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo --port $(PORT)

# One test process per core (pytest-xdist; tests/settings.py gives each its own database, Redis database and
# files). Tests are handed out in collection order, so each process runs its transactional tests last, as
# pytest-django orders them. TEST_PROCESSES=0 runs everything in this process.
TEST_PROCESSES ?= auto

test: $(STAMP)
	DEBUG=false $(PY) manage.py catalogues compile --settings=tests.settings
	DEBUG=false $(PY) -m pytest -n $(TEST_PROCESSES) --dist load $(PYTEST_ARGS)

bench: $(STAMP)
	DEBUG=false $(PY) -m pytest -m perf -s tests/perf $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no benchmarks collected"; exit 0; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check .

catalogues: $(STAMP)
	DEBUG=true $(PY) manage.py catalogues update

clean:
	rm -rf $(VENV) var test-results
