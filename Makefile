# Servizo: `make run` serves the site with demo data; `make test` runs the whole suite
# on MariaDB + Redis, then the money paths again on SQLite (the `make run` default).
# Both set up what they need first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STRIPE_PORT ?= 8420

# The test suite's services (override to point elsewhere).
TEST_ENV := DATABASE_URL=$${DATABASE_URL:-mysql://servizo:servizo@127.0.0.1:3306/servizo} \
            REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0}

# Run a second time on SQLite (in a fresh temporary file): every money path (pay, 3-D Secure,
# webhooks, release, refunds, settlements, payouts, audit, races, the finance console), the demo
# seed `make run` loads, the chat's plain-SQL query, and the task base (failed tasks, after-commit).
# `make test SQLITE_TESTS=` skips this run.
SQLITE_TESTS ?= payments bookings chat/tests/test_services.py chat/tests/test_counters.py console/tests/test_admin_report.py \
                servizo/tests/test_admin_roles.py console/tests/test_seed_demo.py \
                servizo/tests/test_tasks.py servizo/tests/test_after_commit.py servizo/tests/test_page_cache.py

# The Urdu catalog (issue 16): `make messages` after changing user-facing strings, then translate
# the new entries in locale/ur/LC_MESSAGES/*.po; the .mo files are built by run/test, not committed.
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=artifacts --ignore=bench
messages: venv
	$(PY) manage.py makemessages -l ur --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages -d djangojs -l ur --no-obsolete $(MESSAGES_IGNORE) --ignore=static/vendor

# msgfmt comes from Debian's gettext (scripts/system-deps.sh installs it).
compilemessages: venv
	$(PY) manage.py compilemessages -l ur $(MESSAGES_IGNORE)

.PHONY: run test lint messages compilemessages format venv clean bench-pages prod-local prod-local-check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@bash scripts/system-deps.sh build
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

run: venv compilemessages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_places --if-needed
	$(PY) manage.py seed_demo
	@echo "Starting localstripe on 127.0.0.1:$(STRIPE_PORT) and the site on http://127.0.0.1:$(PORT)"
	@$(PY) -m devtools.localstripe_server --port $(STRIPE_PORT) & ls_pid=$$!; \
	  trap "kill $$ls_pid 2>/dev/null" EXIT INT TERM; \
	  for _ in $$(seq 1 40); do curl -sf -o /dev/null -u sk_test_servizo_local: http://127.0.0.1:$(STRIPE_PORT)/v1/customers && break; sleep 0.25; done; \
	  curl -sf -o /dev/null -d url=http://127.0.0.1:$(PORT)/payments/stripe/webhook/ -d secret=whsec_servizo_local \
	    http://127.0.0.1:$(STRIPE_PORT)/_config/webhooks/servizo || echo "warning: could not register the localstripe webhook"; \
	  SITE_URL=http://127.0.0.1:$(PORT) STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test:
	@bash scripts/system-deps.sh test
	@$(MAKE) --no-print-directory venv
	@$(MAKE) --no-print-directory compilemessages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Both runs always run; the target fails if either fails (the first non-zero pytest exit code).
	@rc=0; \
	  ( set -x; $(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS) ) || rc=$$?; \
	  if [ -n "$(strip $(SQLITE_TESTS))" ]; then \
	    dir=$$(mktemp -d); \
	    ( set -x; DATABASE_URL=sqlite:///$$dir/servizo.sqlite3 REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	      $(VENV)/bin/pytest -m "not browser" $(SQLITE_TESTS) ) || { s=$$?; [ $$rc -ne 0 ] || rc=$$s; }; \
	    rm -rf "$$dir"; \
	  fi; \
	  exit $$rc

# Page speed (issue 12): every main page at small and large data against a bare view, production
# settings under gunicorn; needs wrk. E.g. `make bench-pages BENCH_ARGS="--duration 3 --pages feed"`.
bench-pages: venv
	@bash scripts/system-deps.sh bench
	$(TEST_ENV) $(PY) bench/pages.py $(BENCH_ARGS)

# The production stack of deploy/ on this machine (issue 13): nginx (self-signed TLS) -> gunicorn and
# daphne, Celery worker and beat, MariaDB database servizo_prod_local, Redis db 5, localstripe.
# `prod-local` runs until Ctrl-C; `prod-local-check` starts it, checks a page, a document, a payment,
# a chat socket and a scheduled release through nginx, and stops it. See deploy/README.md.
prod-local: venv
	PY=$(PY) bash scripts/prod-local.sh up

prod-local-check: venv
	PY=$(PY) bash scripts/prod-local.sh check

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts .test-private-media
