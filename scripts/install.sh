#!/usr/bin/env bash
# Create .venv and install the locked dependencies (checked against their hashes), then the
# project itself. `--dev` adds the test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=requirements.lock
[ "${1:-}" = "--dev" ] && lock=requirements-dev.lock
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.lock
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
if [ "${1:-}" = "--dev" ]; then
  # ralph, the LRS that tests/test_xapi.py sends xAPI statements to, in a virtual environment of
  # its own (its exact pins clash with ours): requirements-ralph.lock, checked against its hashes.
  [ -x .venv-ralph/bin/python ] || "${PYTHON:-python3}" -m venv .venv-ralph
  .venv-ralph/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.lock
  .venv-ralph/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-ralph.lock
fi
