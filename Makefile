# The autograder site (examples/autograder/): `make demo` sets it up and serves it with the reference grader;
# `DEMO_ONCE=1 make demo` walks the whole flow over HTTP and exits, its last line `demo: N/N graded` (exit 0
# only if all was graded as expected). Test commands live in tox.ini (`tox`), not here.

PYTHON ?= python3
VENV ?= .venv-demo
SITE := examples/autograder
# Tools the sandbox and the five languages need (Debian packages in brackets in the message below).
DEMO_TOOLS := bwrap gcc g++ javac java node

.PHONY: demo demo-check demo-clean

# `exec`: the site's runner replaces the shell, so a SIGTERM or Ctrl-C reaches it and it stops what it started.
demo: $(VENV)/.installed demo-check
	cd $(SITE) && exec ../../$(VENV)/bin/python run_demo.py

$(VENV)/.installed: pyproject.toml $(SITE)/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "demo: Python >= 3.11 is needed (set PYTHON=/path/to/python3.11+)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "demo: could not create a virtualenv (on Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e . -r $(SITE)/requirements.txt
	@touch $@

demo-check:
	@missing=""; for tool in $(DEMO_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "demo: missing tools:$$missing"; \
		echo "demo: install them with: apt-get install bubblewrap gcc g++ default-jdk-headless nodejs"; \
		echo "demo: languages without their runtime are not seeded; without bubblewrap learner code runs"; \
		echo "demo: at the 'reduced' level (root) or not at all (see docs/reference_grader.rst)"; \
	else echo "demo: bubblewrap and the runtimes of all five languages are installed"; fi

demo-clean:
	rm -rf $(VENV) $(SITE)/var
