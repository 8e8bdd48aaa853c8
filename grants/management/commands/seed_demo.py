"""`manage.py seed_demo`: load the ministry's demo programme, instruments,
projects and cluster registry (grants.demo), then print the demo logins."""

import time

from django.core.management.base import BaseCommand

from grants.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Load the ministry's published programme, instruments, projects and cluster registry as demo data. "
        "Idempotent: only what is missing is created. Demo users only where FONDAS_DEMO_USERS is on."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        report = seed_demo()
        elapsed = time.monotonic() - started
        if report.changed:
            created = ", ".join(f"{what}: {n}" for what, n in report.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s: {created}."))
        else:
            self.stdout.write(f"Demo data already loaded; nothing changed ({elapsed:.1f} s).")
        if report.users_refused:
            self.stdout.write(
                self.style.WARNING(
                    "Demo users were NOT created: FONDAS_DEMO_USERS is off under these settings "
                    "(production). Create real accounts with `manage.py createsuperuser` and the admin."
                )
            )
            return
        self.stdout.write("")
        self.stdout.write("Demo logins (local use only):")
        rows = [("username", "role", "password", "organisation")]
        rows += [(login.username, login.role, login.password, login.organisation) for login in report.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3]
            )
        if any(not login.created for login in report.logins):
            self.stdout.write("  (accounts that already existed keep any password changed since.)")
