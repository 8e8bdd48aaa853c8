"""The API's JSON parser: DRF's, hardened against input that would otherwise be
answered with 500. Nesting too deep for Python's parser is a 400, and text that
PostgreSQL cannot store (NUL, lone UTF-16 surrogates) is a 400 naming the field."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

# Far above anything the API's serializers accept, far below Python's recursion limit.
MAX_DEPTH = 100

NUL = "\x00"
SURROGATES = range(0xD800, 0xE000)


def _text_problem(text: str):
    if NUL in text:
        return _("Text may not contain the NUL character (\\u0000).")
    if any(ord(char) in SURROGATES for char in text):
        return _("Text may not contain a lone UTF-16 surrogate (\\ud800–\\udfff).")
    return None


def _printable(key: str) -> str:
    # The path is echoed in the answer, which must itself be valid UTF-8.
    return key.replace(NUL, "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _path_name(path: tuple) -> str:
    """("params", "items", 2, "name") -> "params.items[2].name"."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{_printable(part)}" if name else _printable(part)
    return name or "non_field_errors"


def check_json(data) -> None:
    """Raise ParseError if `data` nests deeper than MAX_DEPTH, ValidationError
    naming the path of the first string (key or value) PostgreSQL cannot store."""
    stack = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise exceptions.ParseError(_("JSON may not be nested more than %(max)d levels deep.") % {"max": MAX_DEPTH})
        if isinstance(value, str):
            if problem := _text_problem(value):
                raise exceptions.ValidationError({_path_name(path): [problem]})
        elif isinstance(value, dict):
            for key, item in value.items():
                if problem := _text_problem(key):
                    raise exceptions.ValidationError({_path_name((*path, key)): [problem]})
                stack.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, (*path, index), depth + 1) for index, item in enumerate(value))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON may not be nested more than %(max)d levels deep.") % {"max": MAX_DEPTH}
            ) from None
        check_json(data)
        return data
