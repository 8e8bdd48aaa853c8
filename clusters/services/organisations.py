"""Writes about organisations: registration, the accounts acting for them, join requests."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import (
    JoinRequestStatus,
    Organisation,
    OrganisationJoinRequest,
    OrganisationType,
    OrganisationUser,
    Region,
)
from clusters.validators import normalize_vat_code, validate_company_code
from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.i18n import active_language
from core.models import AuditEventType, Role


def organisation_check(
    *, name: str, legal_code: str, organisation_type: str, region: str, vat_code: str = "", is_sme: bool | None = None
) -> tuple[str, str, bool]:
    """The rules of a new organisation, for forms that validate before they save.
    Returns the name stripped, the VAT code as stored ("LT" + digits, or blank)
    and the SME status: always for an "sme", never for a large enterprise, as
    declared for the other types."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("An organisation needs a name."), field="name")
    try:
        validate_company_code(legal_code)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="legal_code") from exc
    try:
        vat_code = normalize_vat_code(vat_code)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="vat_code") from exc
    if organisation_type not in OrganisationType.values:
        raise ApplicationError(
            _("Unknown organisation type “%(value)s”.") % {"value": organisation_type}, field="organisation_type"
        )
    if organisation_type == OrganisationType.LARGE and is_sme:
        raise ApplicationError(_("A large enterprise is not an SME; choose one or the other."), field="is_sme")
    if organisation_type == OrganisationType.SME:
        is_sme = True
    if region not in Region.values:
        raise ApplicationError(_("Unknown region “%(value)s”.") % {"value": region}, field="region")
    return name, vat_code, bool(is_sme)


def organisation_create(
    *,
    actor,
    name: str,
    legal_code: str,
    organisation_type: str,
    region: str,
    sector: str = "",
    vat_code: str = "",
    is_sme: bool | None = None,
) -> Organisation:
    name, vat_code, is_sme = organisation_check(
        name=name,
        legal_code=legal_code,
        organisation_type=organisation_type,
        region=region,
        vat_code=vat_code,
        is_sme=is_sme,
    )
    if Organisation.objects.filter(legal_code=legal_code).exists():
        raise ApplicationError(
            _("An organisation with company code %(code)s is already registered.") % {"code": legal_code},
            field="legal_code",
        )
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name,
            legal_code=legal_code,
            vat_code=vat_code,
            organisation_type=organisation_type,
            is_sme=is_sme,
            region=region,
            sector=(sector or "").strip(),
        )
        audit_record(
            actor=actor,
            obj=organisation,
            event_type=AuditEventType.CREATED,
            new=field_values(
                organisation, ["name", "legal_code", "vat_code", "organisation_type", "is_sme", "region", "sector"]
            ),
        )
    return organisation


def _already_acts_for(user) -> None:
    link = OrganisationUser.objects.select_related("organisation").filter(user=user).first()
    if link is not None:
        raise ApplicationError(
            _("Your account already acts for %(organisation)s.") % {"organisation": link.organisation},
            field="legal_code",
        )


def organisation_register(
    *,
    actor,
    name: str,
    legal_code: str,
    organisation_type: str,
    region: str,
    sector: str = "",
    vat_code: str = "",
    is_sme: bool | None = None,
) -> Organisation:
    """An applicant registers its organisation and becomes its administrator.
    A company code already registered is refused with the advice to ask to join."""
    organisation_user_link_check(user=actor)
    legal_code = (legal_code or "").strip()
    with transaction.atomic():
        _already_acts_for(actor)
        if Organisation.objects.filter(legal_code=legal_code).exists():
            raise ApplicationError(_duplicate_message(legal_code), field="legal_code")
        try:
            with transaction.atomic():
                organisation = organisation_create(
                    actor=actor,
                    name=name,
                    legal_code=legal_code,
                    organisation_type=organisation_type,
                    region=region,
                    sector=sector,
                    vat_code=vat_code,
                    is_sme=is_sme,
                )
        except IntegrityError as exc:  # registered by someone else a moment ago
            raise ApplicationError(_duplicate_message(legal_code), field="legal_code") from exc
        organisation_user_link(actor=actor, user=actor, organisation=organisation, is_admin=True)
    return organisation


def _duplicate_message(legal_code: str) -> str:
    return _(
        "An organisation with company code %(code)s is already registered in Fondas. "
        "Ask to join it instead: its administrator or a programme officer will approve your request."
    ) % {"code": legal_code}


def applicant_account_complete(*, actor, user, first_name: str, last_name: str):
    """A signed-up account (django-allauth saved it): its names, the applicant
    role, no organisation yet, and the language it signed up in for its e-mails."""
    with transaction.atomic():
        user.first_name = (first_name or "").strip()
        user.last_name = (last_name or "").strip()
        user.role = Role.APPLICANT
        user.language = active_language()
        user.save(update_fields=["first_name", "last_name", "role", "language"])
        audit_record(
            actor=actor,
            obj=user,
            event_type=AuditEventType.CREATED,
            new=field_values(user, ["username", "email", "first_name", "last_name", "role", "language"]),
        )
    return user


def organisation_user_link_check(*, user) -> None:
    """The rule of `organisation_user_link`, for forms that validate before they save."""
    if user.role != Role.APPLICANT:  # a property of the account, not of the acting user
        raise ApplicationError(_("Only applicant accounts act for an organisation."), field="user")


def organisation_user_link(
    *, actor, user, organisation: Organisation, is_admin: bool | None = None
) -> OrganisationUser:
    """Let `user` act for `organisation`, moving it from the one it acted for.
    `is_admin` makes it (or not) the organisation's administrator; left out, a
    user keeps its role in the same organisation and is no administrator of a
    new one."""
    organisation_user_link_check(user=user)
    with transaction.atomic():
        previous = OrganisationUser.objects.select_for_update().filter(user=user).first()
        if is_admin is None:
            is_admin = bool(previous and previous.organisation_id == organisation.pk and previous.is_admin)
        link, _created = OrganisationUser.objects.update_or_create(
            user=user, defaults={"organisation": organisation, "is_admin": is_admin}
        )
        # "is_admin" is recorded when the account is (or was) the organisation's administrator.
        old = None
        if previous:
            old = {"user": user.pk, "organisation": previous.organisation_id}
            if previous.is_admin:
                old["is_admin"] = True
        new = {"user": user.pk, "organisation": organisation.pk}
        if is_admin or (previous and previous.is_admin):
            new["is_admin"] = is_admin
        audit_record(actor=actor, obj=link, event_type=AuditEventType.LINKED, old=old, new=new)
    return link


def join_request_create(*, actor, legal_code: str, message: str = "") -> OrganisationJoinRequest:
    """An applicant without an organisation asks to act for the one registered
    under `legal_code`."""
    organisation_user_link_check(user=actor)
    legal_code = (legal_code or "").strip()
    try:
        validate_company_code(legal_code)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="legal_code") from exc
    with transaction.atomic():
        _already_acts_for(actor)
        organisation = Organisation.objects.filter(legal_code=legal_code).first()
        if organisation is None:
            raise ApplicationError(
                _(
                    "No organisation with company code %(code)s is registered in Fondas. "
                    "Check the code, or register the organisation."
                )
                % {"code": legal_code},
                field="legal_code",
            )
        pending = OrganisationJoinRequest.objects.select_related("organisation").filter(
            user=actor, status=JoinRequestStatus.PENDING
        )
        if (open_request := pending.first()) is not None:
            raise ApplicationError(
                _("You have already asked to join %(organisation)s; wait for the decision or cancel that request.")
                % {"organisation": open_request.organisation},
                field="legal_code",
            )
        request = OrganisationJoinRequest.objects.create(
            user=actor, organisation=organisation, message=(message or "").strip()
        )
        audit_record(
            actor=actor,
            obj=request,
            event_type=AuditEventType.REQUESTED,
            new={"user": actor.pk, "organisation": organisation.pk, "status": request.status},
        )
    return request


def join_request_may_decide(*, actor, join_request: OrganisationJoinRequest) -> bool:
    """A programme officer decides any request; an organisation's administrator
    decides the requests to join it."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.role == Role.OFFICER:
        return True
    return OrganisationUser.objects.filter(
        user=actor, organisation_id=join_request.organisation_id, is_admin=True
    ).exists()


def join_request_decide(*, actor, join_request: OrganisationJoinRequest, approve: bool) -> OrganisationJoinRequest:
    """Approve (the user then acts for the organisation) or reject a pending
    request. Views show only the requests `actor` may decide (a foreign one
    answers 404); the rule is checked here again."""
    with transaction.atomic():
        join_request = (
            OrganisationJoinRequest.objects.select_for_update()
            .select_related("user", "organisation")
            .get(pk=join_request.pk)
        )
        if not join_request_may_decide(actor=actor, join_request=join_request):
            raise ApplicationError(_("You may not decide this request."), field="status")
        if join_request.status != JoinRequestStatus.PENDING:
            raise ApplicationError(
                _("This request was already decided: %(status)s.") % {"status": join_request.get_status_display()},
                field="status",
            )
        if approve and OrganisationUser.objects.filter(user=join_request.user).exists():
            raise ApplicationError(
                _("%(user)s already acts for an organisation.") % {"user": join_request.user}, field="status"
            )
        old_status = join_request.status
        join_request.status = JoinRequestStatus.APPROVED if approve else JoinRequestStatus.REJECTED
        join_request.decided_by = actor
        join_request.decided_at = timezone.now()
        join_request.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            obj=join_request,
            event_type=AuditEventType.STATUS_CHANGED,
            old={"status": old_status},
            new={"status": join_request.status},
        )
        if approve:
            organisation_user_link(
                actor=actor, user=join_request.user, organisation=join_request.organisation, is_admin=False
            )
    return join_request


def join_request_cancel(*, actor, join_request: OrganisationJoinRequest) -> None:
    """The requester withdraws its pending request (deleted, with an audit event)."""
    with transaction.atomic():
        join_request = OrganisationJoinRequest.objects.select_for_update().get(pk=join_request.pk)
        if join_request.user_id != actor.pk:
            raise ApplicationError(_("Only the person who asked may cancel this request."), field="status")
        if join_request.status != JoinRequestStatus.PENDING:
            raise ApplicationError(
                _("This request was already decided: %(status)s.") % {"status": join_request.get_status_display()},
                field="status",
            )
        audit_record(
            actor=actor,
            obj=join_request,
            event_type=AuditEventType.DELETED,
            old={
                "user": join_request.user_id,
                "organisation": join_request.organisation_id,
                "status": join_request.status,
            },
        )
        join_request.delete()
