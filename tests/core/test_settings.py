"""Importing any settings module creates nothing on disk; the embedded broker's
folders are made when the Celery app is configured, and the broker polls them
often enough that a small report does not wait a second in the queue."""

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

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


def test_a_filesystem_broker_message_waits_less_than_a_fifth_of_a_second(tmp_path):
    """Issue 12: kombu's default 1 s polling made a small report wait ~1 s in the
    queue. A real worker on the embedded broker picks messages up in < 0.2 s."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FONDAS_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "FONDAS_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "filesystem://",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", "latency-probe"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO", "--logfile", str(log)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sender = (
            "import os, sys, time, django; django.setup()\n"
            "from config.celery import app\n"
            "log, deadline = sys.argv[1], time.time() + 60\n"
            "while not (os.path.exists(log) and 'ready' in open(log).read()) and time.time() < deadline:\n"
            "    time.sleep(0.2)\n"
            "time.sleep(0.5)\n"
            "for _ in range(5):\n"
            "    print(time.time(), flush=True)\n"
            "    app.send_task('celery.backend_cleanup', queue='latency-probe')\n"
            "    time.sleep(0.7)\n"
            "time.sleep(1)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", sender, str(log)],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        sent = [float(line) for line in result.stdout.split()]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    received = [
        datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=ZoneInfo(settings.TIME_ZONE)).timestamp()
        for line in log.read_text().splitlines()
        if "received" in line
    ]
    assert len(received) == len(sent) == 5, log.read_text()
    # The worker logs in the settings' time zone (Django sets TZ from TIME_ZONE).
    waits = sorted(got - put for put, got in zip(sent, received, strict=True))
    assert waits[2] < 0.2, waits
