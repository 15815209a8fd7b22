# The two set-up commands (README): `make run` and `make test`. Both install what is missing
# first: Debian packages through apt, Python packages into .venv, s3rver through npm.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
APT_PACKAGES := redis-server ffmpeg espeak-ng sox libmagic1 python3-venv nodejs npm
REQUIREMENTS := requirements.txt $(wildcard requirements/*.txt)

.PHONY: install run test test-fast bench clean-data

install: $(STAMPS)/apt $(STAMPS)/venv

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

$(STAMPS)/venv: $(REQUIREMENTS)
	@mkdir -p $(STAMPS)
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

.tools/node_modules/.bin/s3rver:
	npm install --silent --no-audit --no-fund --prefix .tools s3rver@3.7.1

run: install .tools/node_modules/.bin/s3rver
	$(PY) -m devstack.run

# The whole suite against SecantusDB, then the data-layer tests again against nx-27017.
test: install
	$(PY) -m pytest -q -p no:cacheprovider tests
	TEST_MONGO_ENGINE=nx $(PY) -m pytest -q -p no:cacheprovider tests/store tests/notifications

bench: install
	$(PY) bench/bench_jobs.py

clean-data:
	rm -rf var
