"""The scorecard report (kind "scorecard"): the national targets as of a day with
their trend charts and the EU benchmarks, as on the scorecard page; and the
programme report's landscape chapter shows the same scorecard. PDF/A-3a and
PDF/UA-1 when veraPDF is there."""

import os
import re
import subprocess  # noqa: S404 - runs the veraPDF checker on PDFs this test made
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from pypdf import PdfReader

from clusters.models import Cluster, ClusterActivity, ClusterCommitment, CommitmentKind, NetworkMembership
from clusters.selectors.scorecard import scorecard
from core.errors import ApplicationError
from core.models import Role
from core.templatetags.fondas import pct
from reports import documents
from reports.kinds import get_kind
from reports.kinds.programme import ProgrammeReport
from reports.kinds.scorecard import scorecard_context
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The figures checked below are written the English way."""
    with translation.override("en"):
        yield


REPORT_ID = "5c0e0c4d-0000-4000-8000-00000000abcd"
DAY = date(2024, 6, 30)
VERAPDF = Path(settings.BASE_DIR).parent / "shared" / "tools" / "verapdf" / "check"


@pytest.fixture
def registry():
    coordinator = OrganisationFactory()
    for i in range(4):
        cluster = Cluster.objects.create(
            name=f"Klasteris {i}",
            coordinator=coordinator,
            established_on=date(2018 + i, 7, 1),
            is_new_initiative=i == 3,
        )
        if i < 3:
            NetworkMembership.objects.create(cluster=cluster, network="ECCP", joined_on=date(2021, 1, 1))
        ClusterCommitment.objects.create(cluster=cluster, kind=CommitmentKind.DIGITISATION, started_on=date(2022, 1, 1))
        ClusterActivity.objects.create(cluster=cluster, kind="training", held_on=date(2024, 3, 1), title="Mokymai")


def text_of(content: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages))


def render(kind: str, params: dict) -> bytes:
    params = documents.validate_params(kind, params)
    return documents.render_report(kind=kind, params=params, report_id=REPORT_ID, as_of=timezone.now()).content


def test_parameters_day_optional_and_checked():
    assert documents.validate_params("scorecard", {"day": "2024-06-30", "language": "en"}) == {
        "day": "2024-06-30",
        "language": "en",
    }
    assert documents.validate_params("scorecard", {"language": "lt"})["day"] == timezone.localdate().isoformat()
    with pytest.raises(ApplicationError) as error:
        documents.validate_params("scorecard", {"day": "30.06.2024"})
    assert error.value.field == "day"


def test_applicants_officers_and_auditors_may_request_it():
    kind = get_kind("scorecard")
    for role in (Role.OFFICER, Role.AUDITOR, Role.APPLICANT):
        kind.require_may_request(UserFactory(role=role), {"day": "2024-06-30"})
    with pytest.raises(PermissionDenied):
        kind.require_may_request(UserFactory(role=Role.EVALUATOR), {"day": "2024-06-30"})


def test_the_report_shows_the_scorecard_with_its_charts(registry):
    content = render("scorecard", {"day": DAY.isoformat(), "language": "en"})
    text = text_of(content)
    card = scorecard(DAY)
    assert "National cluster-policy scorecard" in text and "As of 2024-06-30" in text
    assert f"Clusters participating in international networks > 80 % {pct(card.target('networks').value)}" in text
    assert "3 of 4 clusters" in text
    assert "Figure 1. Cluster landscape against the national targets (%)" in text
    assert "Figure 2. Clusters participating in international networks by year" in text
    assert "Figure 9. Clusters that are mature and self-sufficient by year" in text
    assert "6.7 %" in text and "62.8 %" in text and "+140 %" in text
    assert "12 months up to the day" in text


def test_the_programme_report_shows_the_same_scorecard(registry):
    programme = ProgrammeFactory()
    params = documents.validate_params(
        "programme", {"programme_id": programme.pk, "as_of_date": DAY.isoformat(), "language": "en"}
    )
    context, _empty = ProgrammeReport().context(params, ProgrammeReport().as_of(params, timezone.now()), 0)
    assert context["card"] == scorecard(DAY)
    same = scorecard_context(scorecard(DAY), first_figure=3)["trend_figures"]
    assert [(f["number"], f["chart"].description) for f in context["trend_figures"]] == [
        (f["number"], f["chart"].description) for f in same
    ]
    content = render("programme", {"programme_id": programme.pk, "as_of_date": DAY.isoformat(), "language": "en"})
    text = text_of(content)
    assert "Figure 3. Cluster landscape against the national targets (%)" in text
    assert "Figure 4. Clusters participating in international networks by year" in text
    assert (
        f"Clusters participating in international networks > 80 % {pct(scorecard(DAY).target('networks').value)}"
        in text
    )


@pytest.mark.skipif(not os.access(VERAPDF, os.X_OK), reason=f"veraPDF is not installed at {VERAPDF}")
@pytest.mark.parametrize("flavour", ["3a", "ua1"])
def test_verapdf_passes_the_scorecard_report(registry, tmp_path, flavour):
    paths = []
    for language in ("lt", "en"):
        path = tmp_path / f"scorecard-{language}.pdf"
        path.write_bytes(render("scorecard", {"day": DAY.isoformat(), "language": language}))
        paths.append(path)
    result = subprocess.run(  # noqa: S603 - our own checker on our own files
        [str(VERAPDF), f"--flavour={flavour}", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    verdicts = re.findall(r"^=== (\S+) flavour=(\S+) compliant=(\w+)", result.stdout, re.MULTILINE)
    assert len(verdicts) == 2, result.stdout + result.stderr
    assert all(compliant == "true" for _, _, compliant in verdicts), result.stdout
