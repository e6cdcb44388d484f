# The two quick-start commands: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint install system bench clean

demo: install system
	$(VENV)/bin/llmbot demo

# lint first: it takes seconds and says what a reviewer would. Two workers, each with its own session
# sandbox: the suite mostly waits on real servers (Prometheus' rule windows, `llmbot serve` restarts),
# so a second worker halves the time on two cores. `$(PY) -m pytest` alone runs it in one process.
test: install system lint
	$(PY) -m pytest -n 2

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

bench: install system
	$(PY) bench/ack.py
	$(PY) bench/status.py
	$(PY) bench/timers.py
	$(PY) bench/soak.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[test]"
	touch $@

# The sandbox runs a real Prometheus and Alertmanager from Debian's packages; the manifest tests
# render the kustomize overlays with Debian's kubectl.
SYSTEM_TOOLS := prometheus promtool prometheus-alertmanager kubectl
system:
	@missing=""; for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-alertmanager kubectl >/dev/null; \
	  else echo "missing:$$missing; run: sudo apt-get install prometheus prometheus-alertmanager kubectl"; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
