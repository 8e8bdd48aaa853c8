"""Template context: the role policy of the signed-in user as `access`, so
templates ask what a user may do instead of comparing role strings."""

from core.permissions import Access


def access(request) -> dict:
    return {"access": Access.of(getattr(request, "user", None))}
