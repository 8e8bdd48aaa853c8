"""`manage.py sweep_reports`: run the report sweeper once (what Celery beat
runs every FONDAS_REPORT_SWEEP_INTERVAL seconds), e.g. from cron on a
deployment without beat, or by hand after a broker outage."""

from django.core.management.base import BaseCommand

from reports.services.sweeper import report_jobs_sweep


class Command(BaseCommand):
    help = "Send queued report jobs the broker never got or lost, and requeue (or fail) jobs whose worker died."

    def handle(self, *args, **options):
        result = report_jobs_sweep()
        self.stdout.write(f"Sent {result.sent}, requeued {result.requeued}, failed {result.failed}.")
