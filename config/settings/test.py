"""Test settings: fast hashing, media in a temporary folder, the same
DATABASE_URL / CELERY_BROKER_URL switches as everywhere else."""

import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="fondas-test-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or tempfile.mkdtemp(prefix="fondas-media-"))
FONDAS_DEMO_USERS = True
