#!/usr/bin/env bash
# The Python client's tests as `mvn -B verify` runs them (cli/pom.xml, integration-test phase: after `package`
# built cli/target/router-cli.jar, which the end-to-end tests start as EmbeddedStack). Arguments go to pytest.
#
# Creates .venv here on Debian's /usr/bin/python3 with --system-site-packages, so that it sees Debian's
# python3-confluent-kafka (not on the local pip index); pip installs fastavro, pytest and this package
# (built from this directory, schemas copied from schemas/src/main/avro) into it. A python3 without
# confluent_kafka fails the build: CI installs it (.ci/run). Developers without it: -Dpython.client.skip=true.
set -euo pipefail
cd "$(dirname "$0")"
python="${ROUTER_PYTHON:-/usr/bin/python3}"
if ! "$python" -c 'import confluent_kafka' 2>/dev/null; then
  echo "clients/python/run-tests.sh: $python cannot import confluent_kafka." >&2
  echo "  Install it: apt-get install -y python3-confluent-kafka python3-venv (.ci/run does)," >&2
  echo "  point ROUTER_PYTHON at a python3 that has it, or skip these tests: mvn ... -Dpython.client.skip=true" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import confluent_kafka' 2>/dev/null; then
  rm -rf .venv
  "$python" -m venv --system-site-packages .venv
fi
# No retries: an index this machine cannot reach (PyPI here) would otherwise cost seconds per lookup.
export PIP_RETRIES="${PIP_RETRIES:-0}" PIP_DISABLE_PIP_VERSION_CHECK=1
# opentelemetry-api: the tests run the client's tracing with the API (the optional `tracing` extra).
.venv/bin/pip install --quiet fastavro pytest opentelemetry-api
# Reinstalled on every run, so the tests see this tree's code and schemas; its dependencies are the ones above.
# Built with the venv's own setuptools when it is recent enough (Debian 12's is): an isolated build fetches one.
isolation=()
if .venv/bin/python -c 'import sys, setuptools, wheel; sys.exit(int(setuptools.__version__.split(".")[0]) < 61)' 2>/dev/null; then
  isolation=(--no-build-isolation)
fi
.venv/bin/pip install --quiet --no-deps --force-reinstall "${isolation[@]}" .
.venv/bin/python -c 'import agent_router_client, confluent_kafka, fastavro, pytest, opentelemetry.trace'
exec .venv/bin/python -m pytest -p no:cacheprovider -ra "$@"
