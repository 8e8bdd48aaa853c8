"""The Celery app: reads the CELERY_ settings namespace, finds each app's tasks,
and schedules the report sweeper for Celery beat."""

import os
from pathlib import Path

from celery import Celery

from reports import conf as report_conf

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("fondas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Re-sends report jobs the broker lost or never got, and requeues jobs whose
# worker died (reports.services.sweeper.report_jobs_sweep).
app.conf.beat_schedule = {
    "report-jobs-sweep": {
        "task": "reports.tasks.report_jobs_sweep",
        "schedule": report_conf.SWEEP_INTERVAL,
        "options": {"expires": report_conf.SWEEP_INTERVAL},
    },
}


FILESYSTEM_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def _broker_folders(sender, source, **kwargs):
    """The embedded filesystem broker's folders are made when the app is first
    configured (by the worker, or by the web process before it sends a task),
    not when the settings are imported."""
    if str(source.broker_url or "").startswith("filesystem://"):
        options = source.broker_transport_options or {}
        for key in FILESYSTEM_BROKER_FOLDERS:
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _broker_timeouts(sender, source, **kwargs):
    """Redis socket timeouts, so that a publish to a broker that is down or
    hung fails within seconds instead of holding a web request."""
    if str(source.broker_url or "").startswith(("redis://", "rediss://")):
        options = dict(source.broker_transport_options or {})
        options.setdefault("socket_connect_timeout", report_conf.BROKER_SOCKET_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", report_conf.BROKER_SOCKET_TIMEOUT)
        source.broker_transport_options = options
