# The two commands of the README: `make plan` and `make test`.
# Everything else here is set-up they depend on, done idempotently.
# The interpreter (PY=... overrides): the distribution's (SYSTEM_PY) when it is in the
# supported range (Python 3.11 to 3.13) and can make a virtual environment, else the first such
# interpreter on PATH. The distribution's is built with profile-guided and link-time optimisation,
# which a default source build (pyenv's, say) is not: the planner runs faster on it (BENCHMARKS.md).
SUPPORTED := import sys, ensurepip; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))
SYSTEM_PY ?= /usr/bin/python3
PY ?= $(firstword $(foreach p,$(SYSTEM_PY) python3 python3.13 python3.12 python3.11,\
        $(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '$(SUPPORTED)' 2>/dev/null && echo $(p))))
VENV := .venv
STAMP := $(VENV)/.installed
BUILT_ON := $(VENV)/.built-on

.PHONY: plan test venv system-deps lint python FORCE

$(STAMP): pyproject.toml $(BUILT_ON)
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# .venv is built on the interpreter chosen above, and says which in BUILT_ON: one built on
# another (an earlier choice, or PY=... now) is removed first, so that it is built again.
$(BUILT_ON): FORCE
	@test -n "$(PY)" || { echo "no Python 3.11 to 3.13 on PATH (set PY=/path/to/python3)" >&2; exit 1; }
	@chosen="$$($(PY) -c 'import os, sys; print(os.path.realpath(sys.executable))')" || exit 1; \
	built="$$(realpath -e $(VENV)/bin/python 2>/dev/null)"; \
	if [ -n "$$built" ] && [ "$$built" != "$$chosen" ]; then \
		echo "$(VENV) was built on $$built: building it again on $$chosen"; \
		rm -rf $(VENV); \
	fi; \
	if [ "$$(cat $@ 2>/dev/null)" != "$$chosen" ]; then mkdir -p $(VENV) && echo "$$chosen" > $@; fi

FORCE:

# Main job: plan the bundled sample city, write out/plan.json and print a summary.
plan: $(STAMP)
	$(VENV)/bin/govcloud plan

# Test-only system packages and services, installed when missing: every scripts/install-*.sh
# (openssh-server, chromium, CJK fonts, and each service tier's own script).
system-deps:
	set -e; for s in scripts/install-*.sh; do bash "$$s"; done

test: $(STAMP) system-deps
	$(VENV)/bin/python -m pytest -n 2 -q

# The interpreter the virtual environment is (or would be) built with.
python:
	@echo $(PY)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy foundation inventory planner stacks playbooks reporting verifier govcloud
