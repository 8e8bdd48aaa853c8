#!/usr/bin/env bash
# Installs Fondas, loads the demo data and runs it on the embedded defaults:
# SQLite under var/, kombu's filesystem broker under var/broker, the web server
# on http://127.0.0.1:8000 and one Celery worker (with the beat scheduler that
# runs the report sweeper). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
PORT="${PORT:-8000}"
mkdir -p var

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo | tee var/demo-logins.txt

pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "==> Stopping Fondas"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/celery -A config worker --beat --schedule var/celerybeat-schedule \
    --loglevel INFO --concurrency 2 --without-gossip --without-mingle &
pids+=($!)
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)

sleep 2
cat <<TXT

==> Fondas is running at http://127.0.0.1:${PORT}/  (API docs: http://127.0.0.1:${PORT}/api/docs/)
    Demo accounts (local use only; see var/demo-logins.txt):
$(sed -n '/Demo logins/,$p' var/demo-logins.txt | sed 's/^/    /')
    Press Ctrl-C to stop.

TXT
wait -n "${pids[@]}"
