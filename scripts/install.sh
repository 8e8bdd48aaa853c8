#!/usr/bin/env bash
# Installs what Fondas needs on a Debian machine with Python 3.11: the system
# packages (WeasyPrint's Pango/HarfBuzz and fonts; with --dev also Chromium and
# poppler for the browser tests and PDF checks, gettext for the translation
# catalogue checks) and a virtualenv in .venv with
# the pinned Python packages. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

PACKAGES=(python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core shared-mime-info)
[ "$DEV" = 1 ] && PACKAGES+=(chromium poppler-utils gettext)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> Installing system packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            PYTHON="$candidate"
            break
        fi
    done
fi
[ -n "$PYTHON" ] || { echo "Fondas needs Python 3.11 or newer." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
    echo "==> Creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when the pins changed since the last install.
extras=""
[ "$DEV" = 1 ] && extras="[dev]"
stamp=".venv/.fondas-installed${extras:+-dev}"
wanted="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "==> Installing Python packages (pinned in pyproject.toml and requirements.lock)"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -c requirements.lock -e ".${extras}"
    echo "$wanted" > "$stamp"
fi
