"""Importing any settings module creates nothing on disk; the embedded broker's
folders are made when the Celery app is configured, and the broker polls them
often enough that a small report does not wait a second in the queue."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "keCz9KX5QmHIdCtPmJvtFKrLiKTxdUjE4JdnOwLQ_WSv37tpZ3IU-V4LBwiUIKhG_Cs"


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter whose local state (FONDAS_VAR_DIR) and
    temporary folder (TMPDIR) are empty folders under tmp_path."""
    (tmp_path / "tmp").mkdir()
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FONDAS_", "MEDIA_ROOT", "STATIC_ROOT", "CELERY_"))
    }
    environment.update(
        {
            "FONDAS_VAR_DIR": str(tmp_path / "var"),
            "TMPDIR": str(tmp_path / "tmp"),
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "fondas.example.lt",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("module", ["base", "local", "test", "production"])
def test_importing_settings_creates_nothing(tmp_path, module):
    code = (
        f"import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.{module}'\n"
        "import django; django.setup()\n"
        "import config.urls"
    )
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_celery_app_makes_the_broker_folders_and_polls_them_often(tmp_path):
    code = (
        "import os, json; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.local'\n"
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "with app.connection_for_write() as connection:\n"
        "    print(json.dumps({'interval': connection.transport.polling_interval}))\n"
    )
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    broker = tmp_path / "var" / "broker"
    assert sorted(p.name for p in broker.iterdir()) == ["control", "in", "processed"]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"interval": 0.1}


def test_the_polling_interval_comes_from_the_environment(tmp_path):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.local'\n"
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "with app.connection_for_write() as connection:\n"
        "    print(connection.transport.polling_interval)\n"
    )
    result = _python(code, tmp_path, FONDAS_BROKER_POLLING_INTERVAL="0.05")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0.05"
