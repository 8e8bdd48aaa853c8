#!/usr/bin/env bash
# Runs the whole Fondas test suite. On SQLite by default; against PostgreSQL,
# Redis and real Celery workers when DATABASE_URL and CELERY_BROKER_URL are set
# (FONDAS_REQUIRE_SERVICES=1 turns a missing service into a failure, not a skip).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --dev
exec .venv/bin/pytest "$@"
