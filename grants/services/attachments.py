"""Checks of an uploaded attachment before anything is stored: the size, the
type by content (PDF, DOCX, XLSX) agreeing with the file name's extension, and,
for the Office formats (zip archives), the checks against zip bombs and path
tricks. Pure: reads the upload, writes nothing."""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from grants.models import AttachmentKind

FIELD = "file"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Limits on what an Office file may unpack to (a zip bomb is refused before it
# is unpacked, and again while it is read if its header lies).
MAX_ZIP_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
_CHUNK = 64 * 1024

# The part that tells an Office zip's type, beside [Content_Types].xml.
_OFFICE_MAIN_PART = {AttachmentKind.DOCX: "word/document.xml", AttachmentKind.XLSX: "xl/workbook.xml"}
_EXTENSIONS = {".pdf": AttachmentKind.PDF, ".docx": AttachmentKind.DOCX, ".xlsx": AttachmentKind.XLSX}


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    size: int
    sha256: str
    extension: str


def max_bytes() -> int:
    return int(getattr(settings, "FONDAS_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _refuse(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, field=FIELD, details={"code": code})


def _extension_kind(name: str) -> tuple[str, str]:
    extension = PurePosixPath((name or "").replace("\\", "/")).suffix.lower()
    if extension not in _EXTENSIONS:
        raise _refuse(_("Only PDF, DOCX and XLSX files can be attached."), "extension")
    return extension, _EXTENSIONS[extension]


def _unsafe_member_name(name: str) -> bool:
    normalised = name.replace("\\", "/")
    return (
        normalised.startswith("/")
        or (len(normalised) > 1 and normalised[1] == ":")  # a Windows drive letter
        or ".." in PurePosixPath(normalised).parts
    )


def _office_kind(upload) -> str:
    """DOCX or XLSX after the zip checks; ApplicationError otherwise."""
    broken = _refuse(_("The file is not a valid PDF, DOCX or XLSX document."), "content")
    try:
        upload.seek(0)
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise broken from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_ENTRIES:
            raise _refuse(
                ngettext(
                    "The document holds more than %(count)d part and was refused.",
                    "The document holds more than %(count)d parts and was refused.",
                    MAX_ZIP_ENTRIES,
                )
                % {"count": MAX_ZIP_ENTRIES},
                "zip_entries",
            )
        bomb = _refuse(_("The document unpacks to too much data and was refused."), "zip_bomb")
        names = set()
        declared_total = 0
        for member in members:
            if _unsafe_member_name(member.filename):
                raise _refuse(_("The document contains a part with an unsafe path and was refused."), "zip_path")
            if member.flag_bits & 0x1:
                raise _refuse(_("Encrypted documents cannot be attached."), "zip_encrypted")
            declared_total += member.file_size
            if declared_total > MAX_UNCOMPRESSED_BYTES:
                raise bomb
            if member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
                raise bomb
            names.add(member.filename)
        if "[Content_Types].xml" not in names:
            raise broken
        kinds = [kind for kind, part in _OFFICE_MAIN_PART.items() if part in names]
        if len(kinds) != 1:
            raise broken
        # The sizes in the archive's directory may lie: unpack every part with
        # counters, stopping at the limits, and check each part's checksum.
        total = 0
        for member in members:
            if member.is_dir():
                continue
            unpacked = 0
            try:
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        unpacked += len(chunk)
                        total += len(chunk)
                        if total > MAX_UNCOMPRESSED_BYTES or unpacked > MAX_COMPRESSION_RATIO * max(
                            member.compress_size, 1
                        ):
                            raise bomb
            except ApplicationError:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
                raise broken from None
        return kinds[0]


def attachment_check(upload) -> CheckedFile:
    """Check an uploaded file (a Django UploadedFile or any file object with
    `name` and `size`) and return its kind, size and SHA-256. Raises
    ApplicationError(field='file') when it is too large, empty, of another type,
    its extension disagrees with its content, or it is an unsafe archive."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    limit = max_bytes()
    if size > limit:
        raise _refuse(
            _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)},
            "too_large",
        )
    if size == 0:
        raise _refuse(_("The file is empty."), "empty")
    extension, named_kind = _extension_kind(getattr(upload, "name", ""))
    upload.seek(0)
    head = upload.read(8)
    if head.startswith(b"%PDF-"):
        kind = AttachmentKind.PDF
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_kind(upload)
    else:
        raise _refuse(_("The file is not a valid PDF, DOCX or XLSX document."), "content")
    if kind != named_kind:
        raise _refuse(
            _("The file's content is %(content)s but its name ends in %(extension)s.")
            % {"content": AttachmentKind(kind).label, "extension": extension},
            "extension_mismatch",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(kind=str(kind), size=size, sha256=digest.hexdigest(), extension=extension)
