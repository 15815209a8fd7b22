# The two set-up commands (README): `make run` and `make test`. Both install what is missing
# first: Debian packages through apt, Python packages into .venv, s3rver through npm.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
# asterisk-*, alsa-utils: real recordings of human speech with their transcripts, for the scoring
# calibration (`make bench-scoring-validity`; README, Scoring). prometheus: its promtool checks
# and unit-tests the alert rules (deploy/prometheus); the server itself is not started.
APT_PACKAGES := redis-server ffmpeg espeak-ng sox libmagic1 python3-venv nodejs npm chromium \
	asterisk-core-sounds-en-wav asterisk-core-sounds-en alsa-utils prometheus
REQUIREMENTS := requirements.txt $(wildcard requirements/*.txt)
# What .venv and the image install: every package, direct and transitive, at one version with the
# sha256 of each of its files (`make lock` makes it from the pins in requirements/*.txt).
LOCK := requirements.lock

PYTEST := $(PY) -m pytest -q -p no:cacheprovider
# The data-layer tests, run a second time against nx-27017.
DATA_LAYER_TESTS := tests/store tests/notifications tests/identity/test_policy.py
LINTED := api config devstack devtools domain jobs observability schemas security services store tasks workers tests bench celeryconfig.py gunicorn.conf.py
TYPED := api config devstack devtools domain jobs observability schemas security services store tasks workers celeryconfig.py

.PHONY: install lock run test test-unit lint fmt audit licences bench bench-scoring-validity load clean-data

install: $(STAMPS)/apt $(VENV)/.installed

$(STAMPS)/apt: Makefile
	@mkdir -p $(STAMPS)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  command -v node >/dev/null && command -v npm >/dev/null && missing=$$(echo "$$missing" | grep -vx 'nodejs\|npm'); \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "apt: installing" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@touch $@

# .venv is the lock: pip installs exactly its entries (--no-deps: it resolves nothing itself, which the
# pip of a new venv gets wrong in hash mode for extras such as coverage[toml]) and no file whose hash
# the lock does not list; `pip check` then fails if any installed package lacks what it needs. A pin
# in requirements/*.txt that the lock does not match stops it first (devtools/lockfile.py names it):
# run `make lock`.
$(VENV)/.installed: $(LOCK) $(REQUIREMENTS)
	@mkdir -p $(STAMPS)
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	@$(PY) -m devtools.lockfile check >/dev/null || { $(PY) -m devtools.lockfile check; exit 1; }
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	@out=$$($(PY) -m pip check --disable-pip-version-check) || { echo "$$out"; exit 1; }
	@touch $@

# Re-resolve requirements.txt into the lock with uv (pinned in requirements/dev.txt), from PyPI alone
# (uv reads no pip.conf), for CPython 3.11 on Linux x86_64 (markers kept, so the lock fits any 3.11.x),
# then install it. Versions already locked stay unless a pin moves them; UPGRADE=name (several: "a b")
# lets those packages move to their newest, UPGRADE=all every package.
lock:
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	@[ -x $(VENV)/bin/uv ] || $(PY) -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(VENV)/bin/uv pip compile --quiet --no-config --generate-hashes --no-strip-markers \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" \
	  $(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p))) \
	  requirements.txt -o $(LOCK)
	@$(MAKE) --no-print-directory $(VENV)/.installed

.tools/node_modules/.bin/s3rver:
	npm install --silent --no-audit --no-fund --prefix .tools s3rver@3.7.1

# axe-core checks every console page for accessibility in the browser tests (tests/console).
AXE := .tools/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix .tools axe-core@4.14.1

run: install .tools/node_modules/.bin/s3rver
	$(PY) -m devstack.run

# The whole suite against SecantusDB, then the data-layer tests again against nx-27017. Both
# passes always run; the target fails if either failed and says which. Coverage (branch) of
# both passes, the test process and the Celery workers it starts, is printed at the end.
test: install $(AXE)
	@rm -f .coverage .coverage.*; status=0; \
	echo "== pass 1 of 2: the whole suite on SecantusDB"; \
	$(PYTEST) --cov --cov-report= tests || status=1; \
	echo "== pass 2 of 2: the data-layer tests on nx-27017"; \
	TEST_MONGO_ENGINE=nx $(PYTEST) --cov --cov-append --cov-report= \
	  $(DATA_LAYER_TESTS) || status=$$((status + 2)); \
	$(PY) -m coverage combine -q --append >/dev/null 2>&1; \
	$(PY) -m coverage report --skip-covered --skip-empty --sort=cover | tail -n 25; \
	echo "total coverage (branch): $$($(PY) -m coverage report --format=total)%"; \
	echo "pass 1 (SecantusDB, whole suite): $$( [ $$((status & 1)) = 0 ] && echo passed || echo FAILED )"; \
	echo "pass 2 (nx-27017, data layer):    $$( [ $$((status & 2)) = 0 ] && echo passed || echo FAILED )"; \
	exit $$status

# The tests that need no server (seconds).
test-unit: install
	$(PYTEST) -m unit tests

# ruff (lint and format check) and mypy; installs what it needs like the other targets.
lint: install
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)
	$(PY) -m mypy $(TYPED)

fmt: install
	$(PY) -m ruff check --fix $(LINTED)
	$(PY) -m ruff format $(LINTED)

# Licence report of every package in .venv (pip-licenses), one line each, checked against
# devtools/licence_policy.toml: fails on a licence the policy does not allow or cannot read, and when
# project code imports SecantusDB (GPL: allowed only as the separate server process it runs as).
licences: install
	$(PY) -m devtools.licence_check --list

# Supply-chain checks: the licence check (summary), then pip-audit over .venv, i.e. the pins as
# installed with everything they pull in (`-r requirements.txt` would resolve and download them all
# again). A vulnerability with a fixed release fails it unless devtools/accepted_vulnerabilities.toml
# accepts it with a reason. When PyPI's vulnerability service does not answer, one line says nothing
# was checked and the target fails; AUDIT_ALLOW_SKIP=1 (.ci/run) lets that pass, the line stays.
# Both checks always run.
audit: install
	@status=0; \
	$(PY) -m devtools.licence_check || status=1; \
	$(PY) -m devtools.vuln_check $(if $(filter 1,$(AUDIT_ALLOW_SKIP)),--allow-skip) || status=1; \
	exit $$status

bench: install
	$(PY) bench/bench_jobs.py

# The load test against a running `make run`; start that one with RATE_LIMITS_ENABLED=false, or
# the per-client limits answer most of one machine's requests 429. PROFILE=default
# (bench/locustfile.py): USERS mixed students and admins for DURATION. PROFILE=cohort
# (bench/locust_cohort.py): a fresh cohort of USERS students signing in over SIGN_IN_SECONDS and
# taking one test, an admin paging its results and a /health/live baseline, until every student
# has left (at most COHORT_LIMIT); figures in bench/results/cohort.json, which
# `python -m bench.load_table` writes into docs/capacity.md.
PROFILE ?= default
USERS ?= 200
DURATION ?= 60s
SPAWN_RATE ?= 20
SIGN_IN_SECONDS ?= 60
COHORT_LIMIT ?= 10m
load: install
ifeq ($(PROFILE),cohort)
	$(PY) -m bench.load_seed --profile cohort --students $(USERS)
	SIGN_IN_SECONDS=$(SIGN_IN_SECONDS) $(PY) -m locust -f bench/locust_cohort.py --headless \
	  -u $$(( $(USERS) + 2 )) -r $$(awk 'BEGIN { print ($(USERS) + 2) / $(SIGN_IN_SECONDS) }') \
	  -t $(COHORT_LIMIT) --only-summary --stop-timeout 30
else
	$(PY) -m bench.load_seed --students $$(( $(USERS) * 4 ))
	$(PY) -m locust -f bench/locustfile.py --headless -u $(USERS) -r $(SPAWN_RATE) -t $(DURATION) \
	  --only-summary --stop-timeout 30
endif

# The spoken scorer on real recordings, every scoring version side by side (about 15 minutes).
bench-scoring-validity: install
	$(PY) bench/bench_scoring_validity.py

clean-data:
	rm -rf var
