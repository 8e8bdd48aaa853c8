"""The demo's cluster registry alone (organisations and clusters with their dated
history, grants.demo), without the programme: fast enough for page tests."""

import pytest
from django.utils import timezone

from grants import demo


@pytest.fixture
def demo_registry(db):
    plan = demo.build_plan(labels_renewed_through=timezone.localdate())
    report = demo.SeedReport()
    organisations = demo._ensure_organisations(plan, report)
    demo._ensure_clusters(plan, organisations, report)
    return plan
