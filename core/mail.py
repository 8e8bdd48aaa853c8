"""E-mail to a Fondas user, written in the user's language: the subject and
body templates (`templates/emails/<name>_subject.txt`, `<name>_body.txt`) are
rendered under the language saved in their profile, Lithuanian when they chose
none. Status-change e-mails are sent this way from Celery tasks that services
enqueue with transaction.on_commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from core.i18n import LITHUANIAN, supported_language


def user_language(user) -> str:
    return supported_language(getattr(user, "language", "")) or LITHUANIAN


def render_email(user, name: str, context: dict) -> tuple[str, str]:
    """(subject, body) of e-mail `name` for `user`, in the user's language."""
    with translation.override(user_language(user)):
        context = {"user": user, **context}
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        body = render_to_string(f"emails/{name}_body.txt", context)
    return subject, body


def email_user(user, name: str, context: dict) -> int:
    """Send e-mail `name` to `user` (nothing when they have no address)."""
    if not user.email:
        return 0
    subject, body = render_email(user, name, context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
