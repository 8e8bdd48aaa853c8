"""Writes to the users' own profile."""

from django.db import transaction

from core.audit import audit_record
from core.i18n import supported_language
from core.models import AuditEventType, User


def user_language_set(*, actor: User, user: User, language: str) -> User:
    """Save the language `user` chose with the switcher."""
    code = supported_language(language)
    if code is None or actor.pk != user.pk:
        raise ValueError("A user sets only their own language, to one Fondas speaks.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        old = user.language
        if old != code:
            user.language = code
            user.save(update_fields=["language"])
            audit_record(
                actor=actor, obj=user, event_type=AuditEventType.UPDATED, old={"language": old}, new={"language": code}
            )
    return user
