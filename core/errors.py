"""The one domain error type that services raise."""

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain was broken. `message` is for a person to act on;
    `field` names the input it concerns, when there is one."""

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
