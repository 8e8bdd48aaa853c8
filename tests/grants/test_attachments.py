"""Attachments of applications: the type by content agreeing with the name,
the size limit, the zip-bomb and path checks of DOCX/XLSX files, storage under
a random name, and a refused upload storing nothing."""

import hashlib
import io
import os
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from grants.models import ApplicationAttachment, CallStatus
from grants.services import attachments, call_transition
from grants.services.applications import (
    application_attachment_add,
    application_attachment_delete,
    application_create,
    application_withdraw,
)
from grants.services.attachments import attachment_check
from tests.factories import OrganisationFactory, UserFactory, make_call, make_instrument

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english():
    """The refusals are checked in their English wording."""
    with translation.override("en"):
        yield


def office(kind: str, extra: dict[str, bytes] | None = None, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal DOCX or XLSX (a zip with [Content_Types].xml and its main part)."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main, '<?xml version="1.0"?><document>Projektas</document>')
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files)


@pytest.fixture
def draft(applicant):
    call = make_call(make_instrument())
    call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
    return application_create(actor=applicant, call=call)


# --- the checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("Verslo planas.pdf", PDF, "pdf"),
        ("Aprašas.DOCX", office("docx"), "docx"),
        ("biudzetas.xlsx", office("xlsx"), "xlsx"),
    ],
)
def test_accepted_types(name, content, kind):
    checked = attachment_check(upload(name, content))
    assert checked.kind == kind
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("planas.exe", PDF, "extension"),
        ("planas", PDF, "extension"),
        ("planas.pdf", b"just some text, not a PDF", "content"),
        ("planas.pdf", b"", "empty"),
        ("planas.docx", PDF, "extension_mismatch"),
        ("planas.pdf", office("docx"), "extension_mismatch"),
        ("lentele.xlsx", office("docx"), "extension_mismatch"),
        ("planas.docx", b"PK\x03\x04 not really a zip", "content"),
    ],
)
def test_refused_types(name, content, code):
    with pytest.raises(ApplicationError) as info:
        attachment_check(upload(name, content))
    assert info.value.field == "file"
    assert info.value.details["code"] == code


def test_a_zip_without_the_office_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ApplicationError, match="not a valid"):
        attachment_check(upload("planas.docx", buffer.getvalue()))
    # Both main parts: ambiguous, refused.
    with pytest.raises(ApplicationError, match="not a valid"):
        attachment_check(upload("planas.docx", office("docx", {"xl/workbook.xml": "<workbook/>"})))


def test_size_limit(settings):
    settings.FONDAS_ATTACHMENT_MAX_BYTES = len(PDF)
    assert attachment_check(upload("a.pdf", PDF)).size == len(PDF)
    with pytest.raises(ApplicationError) as info:
        attachment_check(upload("a.pdf", PDF + b" "))
    assert info.value.details["code"] == "too_large"


def test_default_limit_is_ten_megabytes(settings):
    if hasattr(settings, "FONDAS_ATTACHMENT_MAX_BYTES"):
        del settings.FONDAS_ATTACHMENT_MAX_BYTES
    assert attachments.max_bytes() == 10 * 1024 * 1024
    big = PDF + b"0" * (10 * 1024 * 1024 - len(PDF) + 1)
    with pytest.raises(ApplicationError, match="larger than 10 MB"):
        attachment_check(upload("a.pdf", big))


def test_zip_bomb_by_compression_ratio():
    # 2 MB of zeros compress about a thousand times.
    with pytest.raises(ApplicationError) as info:
        attachment_check(upload("a.docx", office("docx", {"word/media/zeros.bin": b"\0" * (2 * 1024 * 1024)})))
    assert info.value.details["code"] == "zip_bomb"


def test_zip_bomb_by_total_size(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_UNCOMPRESSED_BYTES", 10_000)
    content = office("docx", {"word/media/a.bin": os.urandom(6000), "word/media/b.bin": os.urandom(6000)})
    with pytest.raises(ApplicationError) as info:
        attachment_check(upload("a.docx", content))
    assert info.value.details["code"] == "zip_bomb"


def test_zip_bomb_whose_directory_lies_about_sizes():
    """The central directory claims a small size; unpacking finds the truth."""
    content = bytearray(office("docx", {"word/media/zeros.bin": b"\0" * (2 * 1024 * 1024)}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    info = archive.getinfo("word/media/zeros.bin")
    # Rewrite the declared uncompressed size (local header and central directory) to the compressed size.
    real = (2 * 1024 * 1024).to_bytes(4, "little")
    fake = info.compress_size.to_bytes(4, "little")
    patched = bytes(content).replace(real, fake)
    with pytest.raises(ApplicationError) as error:
        attachment_check(upload("a.docx", patched))
    assert error.value.details["code"] in {"zip_bomb", "content"}


def test_too_many_entries():
    extra = {f"word/media/{i}.txt": f"{i}" for i in range(1000)}
    with pytest.raises(ApplicationError) as info:
        attachment_check(upload("a.docx", office("docx", extra)))
    assert info.value.details["code"] == "zip_entries"


@pytest.mark.parametrize("path", ["../../etc/passwd", "word/../../evil.xml", "/etc/passwd", "C:/evil.xml", "..\\evil"])
def test_unsafe_paths(path):
    with pytest.raises(ApplicationError) as info:
        attachment_check(upload("a.docx", office("docx", {path: "x"})))
    assert info.value.details["code"] == "zip_path"


def test_an_embedded_workbook_in_a_document_is_accepted():
    # Word embeds charts' data as XLSX parts: a nested archive is a part like any other.
    checked = attachment_check(upload("a.docx", office("docx", {"word/embeddings/Chart.xlsx": office("xlsx")})))
    assert checked.kind == "docx"


# --- the service ---------------------------------------------------------------------------


def test_attachment_is_stored_under_a_random_name(draft, applicant, media):
    attachment = application_attachment_add(actor=applicant, application=draft, upload=upload("../Planas 1.pdf", PDF))
    attachment.refresh_from_db()
    assert attachment.original_name == "Planas 1.pdf"
    assert attachment.kind == "pdf"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by == applicant
    directory, name = attachment.file.name.rsplit("/", 1)
    assert directory == f"applications/{draft.pk}"
    assert name.endswith(".pdf") and "Planas" not in name and len(name) == 32 + 4
    assert default_storage.open(attachment.file.name).read() == PDF
    assert stored_files(media) == [attachment.file.name]
    assert AuditEvent.objects.filter(
        object_type="grants.applicationattachment", object_id=str(attachment.pk), event_type=AuditEventType.CREATED
    ).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("planas.pdf", b"MZ\x90\x00 an executable"),
        ("planas.docx", PDF),
        ("bomba.docx", office("docx", {"word/media/zeros.bin": b"\0" * (2 * 1024 * 1024)})),
        ("kelias.docx", office("docx", {"../evil": "x"})),
    ],
)
def test_a_refused_upload_stores_nothing(draft, applicant, media, name, content):
    with pytest.raises(ApplicationError):
        application_attachment_add(actor=applicant, application=draft, upload=upload(name, content))
    assert stored_files(media) == []
    assert not ApplicationAttachment.objects.exists()


def test_only_drafts_take_attachments(draft, applicant, media):
    application_withdraw(actor=applicant, application=draft)
    with pytest.raises(ApplicationError, match="Only a draft"):
        application_attachment_add(actor=applicant, application=draft, upload=upload("a.pdf", PDF))
    assert stored_files(media) == []


def test_another_organisation_cannot_attach_or_delete(draft, applicant, media):
    stranger = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    with pytest.raises(ApplicationError, match="Only the applicant organisation"):
        application_attachment_add(actor=stranger, application=draft, upload=upload("a.pdf", PDF))
    assert stored_files(media) == []
    attachment = application_attachment_add(actor=applicant, application=draft, upload=upload("a.pdf", PDF))
    with pytest.raises(ApplicationError):
        application_attachment_delete(actor=stranger, attachment=attachment)
    assert ApplicationAttachment.objects.filter(pk=attachment.pk).exists()


def test_delete_removes_the_file_after_commit(draft, applicant, media, django_capture_on_commit_callbacks):
    attachment = application_attachment_add(actor=applicant, application=draft, upload=upload("a.pdf", PDF))
    with django_capture_on_commit_callbacks(execute=True):
        application_attachment_delete(actor=applicant, attachment=attachment)
    assert not ApplicationAttachment.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(
        object_type="grants.applicationattachment", object_id=str(attachment.pk), event_type=AuditEventType.DELETED
    ).exists()
