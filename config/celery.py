"""The Celery app: reads the CELERY_ settings namespace and finds each app's tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("fondas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
