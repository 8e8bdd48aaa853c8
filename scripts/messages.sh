#!/usr/bin/env bash
# Updates the Lithuanian translation catalogues after interface strings changed:
# collects every marked string into locale/lt/LC_MESSAGES/{django,djangojs}.po
# (new ones arrive untranslated; tests/i18n/test_catalogue.py fails until they are
# translated) and compiles the .mo files that are committed beside them.
# Needs gettext (scripts/install.sh --dev installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

IGNORE=(--ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks --ignore=node_modules)
.venv/bin/python manage.py makemessages -l lt -d django --add-location=file --no-obsolete "${IGNORE[@]}"
.venv/bin/python manage.py makemessages -l lt -d djangojs --add-location=file --no-obsolete "${IGNORE[@]}" \
    --ignore=static/vendor
.venv/bin/python manage.py compilemessages -l lt --ignore=.venv
