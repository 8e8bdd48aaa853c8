"""Markup in the data cannot make a report read files, call the network or
embed anything: templates escape it, and the URL fetcher serves only static
files and data: URLs. A real listener on a local port shows that no request
leaves the renderer; a control test shows the same checks catch an
unrestricted renderer."""

import socket
import threading
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject
from weasyprint import HTML

from grants.services import project_create
from reports import documents, rendering
from tests.factories import OrganisationFactory, ProgrammeFactory, make_instrument

pytestmark = pytest.mark.django_db

PASSWD = Path("/etc/passwd")
REPORT_ID = "5afe0000-0000-4000-8000-000000000001"


@pytest.fixture
def listener():
    """A TCP listener on a free local port that records every connection."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    received.append(connection.recv(65536))
                    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfrom the listener")
                except OSError:
                    received.append(b"<connection>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(timeout=5)
    server.close()


def hostile(port: int) -> str:
    return (
        '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
        f'<a href="http://127.0.0.1:{port}/leak">http://127.0.0.1:{port}/leak</a>'
    )


def passwd_marker() -> bytes:
    """A line of /etc/passwd that must never appear in a report."""
    return PASSWD.read_bytes().splitlines()[0]


def no_space(text: str) -> str:
    return "".join(text.split())


def inspect(content: bytes, port: int, *, links_allowed: bool = False) -> None:
    """Nothing embedded, attached or imaged; no passwd content; and, unless
    `links_allowed`, no link out (a link is not a fetch, but escaped text
    must not turn into one)."""
    reader = PdfReader(BytesIO(content))
    root = reader.trailer["/Root"]
    assert "/AF" not in root
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    marker = passwd_marker()
    numbers = set(reader.xref_objStm)
    for table in reader.xref.values():
        numbers |= set(table)
    assert len(numbers) > 10
    for number in sorted(numbers):
        obj = reader.get_object(number)
        if isinstance(obj, DictionaryObject):
            assert obj.get("/Type") not in ("/Filespec", "/EmbeddedFile"), number
            assert obj.get("/Subtype") not in ("/FileAttachment", "/Image"), number
            action = obj.get("/A")
            if action is not None and not links_allowed:
                uri = str(action.get_object().get("/URI", ""))
                assert "127.0.0.1" not in uri and not uri.startswith("file:"), uri
        if isinstance(obj, StreamObject):
            assert marker not in obj.get_data(), number
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            assert xobject.get_object().get("/Subtype") != "/Image"


@pytest.fixture
def hostile_data(listener):
    port, received = listener
    payload = hostile(port)
    instrument = make_instrument(code="SAFE")
    beneficiary = OrganisationFactory(name=f"UAB {payload}"[:250])
    project = project_create(
        actor=None,
        instrument=instrument,
        code="SAFE-1",
        title=f"Projektas {payload}",
        beneficiary=beneficiary,
        start_date=date(2021, 1, 1),
        end_date=date(2022, 1, 1),
        budget={instrument.eligible_cost_categories.get(code="STAFF"): Decimal("1000.00")},
    )
    return {"port": port, "received": received, "payload": payload, "project": project, "beneficiary": beneficiary}


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the report fetcher for."""
    urls: list[str] = []
    real_fetch = rendering.StaticFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        urls.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(rendering.StaticFilesFetcher, "fetch", recording_fetch)
    return urls


def test_markup_in_project_title_and_beneficiary_is_printed_as_text(hostile_data, fetched):
    port, payload = hostile_data["port"], hostile_data["payload"]
    project = hostile_data["project"]
    statement = documents.render_report(
        kind="project", params={"project_id": project.pk}, report_id=REPORT_ID, as_of=timezone.now()
    )
    params = documents.validate_params("programme", {"programme_id": ProgrammeFactory().pk})
    programme = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=timezone.now())
    for content, expected in (
        (statement.content, [f"Projektas {payload}", hostile_data["beneficiary"].name]),
        (programme.content, [f"Projektas {payload}", hostile_data["beneficiary"].name]),
    ):
        text = no_space("\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages))
        for literal in expected:
            assert no_space(literal) in text
        inspect(content, port)
    assert hostile_data["received"] == []
    # WeasyPrint asked only for the stylesheets and fonts in static files.
    assert fetched
    static = [root.as_uri() for root in rendering.static_roots()]
    for url in fetched:
        assert url.startswith("data:") or any(url.startswith(root + "/") for root in static), url
        assert "passwd" not in url and "127.0.0.1" not in url


def test_templates_escape_the_markup(hostile_data):
    project = hostile_data["project"]
    params = {"project_id": project.pk}
    html = documents.section_html("project", params, REPORT_ID, timezone.now(), 0, page_numbers=True)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html
    assert '<link rel="attachment"' not in html


def test_even_raw_markup_cannot_fetch_attach_or_call_out(listener, fetched):
    """Defence in depth: if such markup ever reached WeasyPrint, the fetcher
    still refuses it and no attachment is written."""
    port, received = listener
    html = (
        f"<html><head>{hostile(port)}<link rel='stylesheet' href='http://127.0.0.1:{port}/x.css'></head>"
        f"<body><p>Sveiki, ąčęėįšųūž</p><img src='http://127.0.0.1:{port}/pixel.png'>"
        f"<a rel='attachment' href='file:///etc/passwd'>passwd</a>"
        f"<img src='data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%224%22 height=%224%22/%3E'>"
        "</body></html>"
    )
    rendered = rendering.write_pdf(html)
    assert rendered.page_count == 1
    inspect(rendered.content, port, links_allowed=True)
    assert received == []
    assert any(url.startswith("file:///etc/passwd") for url in fetched)  # asked, and refused
    assert any(url.startswith(f"http://127.0.0.1:{port}/") for url in fetched)


def test_control_an_unrestricted_renderer_is_caught_by_the_same_checks(listener):
    """WeasyPrint's default fetcher does call the listener and embed the file:
    the checks above would see it."""
    port, received = listener
    html = f"<html><head>{hostile(port)}</head><body><img src='http://127.0.0.1:{port}/pixel.png'></body></html>"
    content = HTML(string=html).write_pdf()
    assert received, "the listener saw no request from the unrestricted renderer"
    with pytest.raises(AssertionError):
        inspect(content, port)


# --------------------------------------------------------------------------- the fetcher itself


@pytest.fixture
def fetcher():
    return rendering.StaticFilesFetcher()


def static_url(path: str) -> str:
    return rendering.base_url() + path


def test_fetcher_serves_static_css_and_fonts(fetcher):
    css = fetcher.fetch(static_url("reports/pdf.css"))
    assert css.content_type == "text/css"
    assert b'@import url("pdf-page.css")' in css.read()
    font = fetcher.fetch(static_url("reports/fonts/DejaVuSans.ttf"))
    assert font.read()[:4] == b"\x00\x01\x00\x00"


def test_fetcher_serves_data_urls(fetcher):
    plain = fetcher.fetch("data:text/plain;charset=utf-8,Labas%20%C4%85")
    assert plain.read().decode() == "Labas ą"
    assert plain.content_type == "text/plain"
    encoded = fetcher.fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert (encoded.read(), encoded.content_type) == (b"<svg/>", "image/svg+xml")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://example.org/etc/passwd",
        "FILE:///etc/passwd",
        "https://example.org/style.css",
        "ftp://example.org/x",
        "gopher://example.org/x",
        "javascript:alert(1)",
        "/etc/passwd",
    ],
)
def test_fetcher_refuses_everything_else(fetcher, url):
    with pytest.raises(rendering.RefusedURLError):
        fetcher.fetch(url)


def test_fetcher_refuses_dot_dot_even_inside_static(fetcher):
    escape = "../" * 12 + "etc/passwd"
    for url in (
        static_url("reports/" + escape),
        static_url("reports/%2e%2e/%2E%2E/" + "%2e%2e/" * 10 + "etc/passwd"),
        static_url("reports/../reports/pdf.css"),
    ):
        with pytest.raises(rendering.RefusedURLError):
            fetcher.fetch(url)


def test_fetcher_refuses_http_to_a_live_listener(fetcher, listener):
    port, received = listener
    with pytest.raises(rendering.RefusedURLError):
        fetcher.fetch(f"http://127.0.0.1:{port}/")
    with pytest.raises(rendering.RefusedURLError):
        fetcher.open(f"http://127.0.0.1:{port}/")
    assert received == []


def test_fetcher_refuses_symlinks_out_of_static_and_missing_files(tmp_path):
    root = tmp_path / "static"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "ok.css").write_text("p { color: black }")
    (root / "reports" / "passwd.css").symlink_to(PASSWD)
    (root / "reports" / "inside.css").symlink_to(root / "reports" / "ok.css")
    fetcher = rendering.StaticFilesFetcher(roots=[root])
    assert fetcher.fetch((root / "reports" / "ok.css").as_uri()).read() == b"p { color: black }"
    assert fetcher.fetch((root / "reports" / "inside.css").as_uri()).read() == b"p { color: black }"
    for path in ("reports/passwd.css", "reports/missing.css", "reports"):
        with pytest.raises(rendering.RefusedURLError):
            fetcher.fetch((root / path).as_uri())
    with pytest.raises(rendering.RefusedURLError):
        fetcher.fetch(PASSWD.as_uri())


def test_static_roots_are_the_finders_directories():
    roots = rendering.static_roots()
    assert Path(rendering.base_url().removeprefix("file://")).resolve() in roots
    assert all(root.is_dir() for root in roots)
    assert not any(PASSWD.resolve().is_relative_to(root) for root in roots)
