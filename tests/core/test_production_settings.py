"""Production settings refuse unsafe configuration at start, read everything that
differs between installations from the environment, and pass `check --deploy`.
Each case runs in a fresh interpreter, as a server would start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A key as `secrets.token_urlsafe(50)` makes one.
GOOD_KEY = "keCz9KX5QmHIdCtPmJvtFKrLiKTxdUjE4JdnOwLQ_WSv37tpZ3IU-V4LBwiUIKhG_Cs"
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
default_storage._setup()
storage = default_storage._wrapped
print(json.dumps({
    "storage": type(storage).__module__ + "." + type(storage).__name__,
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "location": str(getattr(storage, "location", "")),
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "conn_health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "email": [settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS],
    "from": [settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL],
    "admin": reverse("admin:index"),
}))
"""


def _environment(**env: str) -> dict:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "AWS_", "EMAIL_", "FONDAS_", "REDIS_", "CACHE_URL", "MEDIA_ROOT"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_ALLOWED_HOSTS": "fondas.example.lt",
            "DJANGO_SECRET_KEY": GOOD_KEY,
        }
    )
    environment.update(env)
    return environment


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _probe(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_environment(**env), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "x" * 50}, "DJANGO_SECRET_KEY is too predictable"),
        ({"DJANGO_SECRET_KEY": "changeme" * 7}, "DJANGO_SECRET_KEY is too predictable"),
        ({"DJANGO_SECRET_KEY": "abcdefghijklmnopqrstuvwxyz0123456789" * 2}, "DJANGO_SECRET_KEY is too predictable"),
        ({"DJANGO_SECRET_KEY": "fondas-local-development-key-not-for-production"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "fondas-local-development-key-not-for-production" + GOOD_KEY}, "development key"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + GOOD_KEY}, "development key"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS must not contain '*'"),
        ({"DJANGO_ALLOWED_HOSTS": "fondas.example.lt,*"}, "DJANGO_ALLOWED_HOSTS must not contain '*'"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must list the host names"),
        ({"FONDAS_STORAGE": "s3"}, "FONDAS_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"FONDAS_STORAGE": "ftp"}, "FONDAS_STORAGE must be 'local' or 's3'"),
    ],
)
def test_production_refuses_to_start(env, message):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_defaults_store_files_locally_and_keep_connections(tmp_path):
    found = _probe(MEDIA_ROOT=str(tmp_path / "media"))
    assert found["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["location"] == str(tmp_path / "media")
    assert found["conn_max_age"] == 60
    assert found["conn_health_checks"] is True
    assert found["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["admin"] == "/admin/"
    assert found["from"] == ["Fondas <noreply@fondas.example.lt>", "Fondas <noreply@fondas.example.lt>"]


def test_the_environment_chooses_s3_storage_redis_cache_mail_and_admin_url():
    found = _probe(
        FONDAS_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="fondas-reports",
        AWS_S3_ENDPOINT_URL="https://s3.example.lt",
        AWS_ACCESS_KEY_ID="id",
        AWS_SECRET_ACCESS_KEY="secret",
        DJANGO_CONN_MAX_AGE="300",
        REDIS_CACHE_URL="redis://cache.example.lt:6379/2",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.lt:587",
        DEFAULT_FROM_EMAIL="Fondas <fondas@ministry.example.lt>",
        DJANGO_ADMIN_URL="office-7f3a/",
    )
    assert found["storage"] == "storages.backends.s3.S3Storage"
    assert found["bucket"] == "fondas-reports"
    assert found["endpoint"] == "https://s3.example.lt"
    assert found["conn_max_age"] == 300
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["cache_location"] == "redis://cache.example.lt:6379/2"
    assert found["email"] == ["smtp.example.lt", 587, "mailer", True]
    assert found["from"] == ["Fondas <fondas@ministry.example.lt>"] * 2
    assert found["admin"] == "/office-7f3a/"


def test_mail_settings_from_separate_variables():
    found = _probe(
        EMAIL_HOST="mail.example.lt",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="fondas",
        EMAIL_USE_TLS="true",
        CACHE_URL="redis://cache.example.lt:6379/0",
    )
    assert found["email"] == ["mail.example.lt", 2525, "fondas", True]
    assert found["cache_location"] == "redis://cache.example.lt:6379/0"
