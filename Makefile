# The two quick-start commands: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install prometheus bench clean

demo: install prometheus
	$(VENV)/bin/llmbot demo

test: install prometheus
	$(PY) -m pytest

bench: install prometheus
	$(PY) bench/ack.py
	$(PY) bench/status.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[test]"
	touch $@

# The sandbox runs a real Prometheus and Alertmanager from Debian's packages.
prometheus:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-alertmanager >/dev/null; \
	  else echo "Prometheus or Alertmanager missing: sudo apt-get install prometheus prometheus-alertmanager (the sandbox runs without them meanwhile)"; fi; }

clean:
	rm -rf $(VENV) .pytest_cache
