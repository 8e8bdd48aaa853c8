"""The registry of report kinds: the one place that knows which kinds exist.

Every module in this package that defines a kind registers it with
`@register`; the modules are imported on first use, so adding a kind means
adding its module here and its template (templates/reports/pdf/<code>.html),
and nothing else: the job's choices, the request form, the API and the
renderer all ask this registry. See docs/reports.md."""

import importlib
import pkgutil
from typing import TYPE_CHECKING, TypeVar

from core.errors import ApplicationError

if TYPE_CHECKING:
    from reports.kinds.base import ReportKindBase

KINDS: dict[str, "ReportKindBase"] = {}
# Modules of this package that hold shared code rather than a kind.
HELPER_MODULES = {"base", "params", "implementation"}
_discovered = False

K = TypeVar("K", bound=type)


def register(kind_class: K) -> K:
    """Class decorator: add one instance of the kind to the registry."""
    code = kind_class.code
    if not code or len(code) > 40:
        raise ValueError(f"A report kind needs a code of 1–40 characters, not {code!r}.")
    if code in KINDS and type(KINDS[code]) is not kind_class:
        raise ValueError(f"Two report kinds have the code {code!r}.")
    KINDS[code] = kind_class()
    return kind_class


def unregister(code: str) -> None:
    """Remove a kind (for tests that register a kind of their own)."""
    KINDS.pop(code, None)


def discover() -> dict[str, "ReportKindBase"]:
    """Import every kind module of this package once; return the registry."""
    global _discovered
    if not _discovered:
        for module in pkgutil.iter_modules(__path__):
            if module.name not in HELPER_MODULES and not module.name.startswith("_"):
                importlib.import_module(f"{__name__}.{module.name}")
        _discovered = True
    return KINDS


def all_kinds() -> list["ReportKindBase"]:
    """Every registered kind, in their `order`."""
    return sorted(discover().values(), key=lambda kind: (kind.order, kind.code))


def get_kind(code) -> "ReportKindBase":
    """The kind with this code, or ApplicationError naming the field 'kind'."""
    kinds = discover()
    if not isinstance(code, str) or code not in kinds:
        shown = "".join(ch if ch.isprintable() else "?" for ch in str(code))[:40]
        raise ApplicationError(f"Unknown report kind '{shown}'.", field="kind")
    return kinds[code]


def kind_choices() -> list[tuple[str, str]]:
    """(code, label) of every kind: the choices of ReportJob.kind, the form and the API."""
    return [(kind.code, str(kind.label)) for kind in all_kinds()]


def kind_label(code: str) -> str:
    kind = discover().get(code)
    return str(kind.label) if kind else code
