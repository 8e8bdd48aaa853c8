"""The Celery app: reads the CELERY_ settings namespace, finds each app's tasks,
and schedules the report sweeper for Celery beat."""

import os

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


@app.on_after_configure.connect
def _broker_timeouts(sender, source, **kwargs):
    """Redis socket timeouts, so that a publish to a broker that is down or
    hung fails within seconds instead of holding a web request."""
    if str(source.broker_url or "").startswith(("redis://", "rediss://")):
        options = dict(source.broker_transport_options or {})
        options.setdefault("socket_connect_timeout", report_conf.BROKER_SOCKET_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", report_conf.BROKER_SOCKET_TIMEOUT)
        source.broker_transport_options = options
