"""Every write to the cluster registry: one transaction and one audit event each."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    JoinRequestStatus,
    LabelLevel,
    MaturityLevel,
    NetworkMembership,
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


def cluster_create(*, actor, name: str, coordinator: Organisation, established_on: date, **attributes) -> Cluster:
    """A cluster, with its coordinator as its first member from the day it was established."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A cluster needs a name."), field="name")
    if "maturity_level" in attributes and attributes["maturity_level"] not in MaturityLevel.values:
        raise ApplicationError(
            _("Unknown maturity level “%(value)s”.") % {"value": attributes["maturity_level"]}, field="maturity_level"
        )
    if Cluster.objects.filter(name=name).exists():
        raise ApplicationError(_("A cluster named “%(name)s” is already registered.") % {"name": name}, field="name")
    with transaction.atomic():
        cluster = Cluster.objects.create(
            name=name, coordinator=coordinator, established_on=established_on, **attributes
        )
        audit_record(
            actor=actor,
            obj=cluster,
            event_type=AuditEventType.CREATED,
            new={"name": name, "coordinator": coordinator.pk},
        )
        member = ClusterMember.objects.create(cluster=cluster, organisation=coordinator, joined_on=established_on)
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": established_on})
    return cluster


def cluster_member_period_check(
    *,
    cluster: Cluster,
    organisation: Organisation,
    joined_on: date,
    left_on: date | None = None,
    others: list[tuple[date, date | None]] | tuple = (),
) -> None:
    """The rules of one membership of `organisation` in `cluster`, against its
    `others` (joined_on, left_on) in the same cluster: it starts once the cluster
    exists, ends after it starts, and overlaps none of them, so the organisation
    is counted once. Also for forms that validate before they save."""
    if cluster.established_on is not None and joined_on < cluster.established_on:
        raise ApplicationError(
            _("%(organisation)s cannot join %(cluster)s before it was established on %(date)s.")
            % {"organisation": organisation, "cluster": cluster, "date": cluster.established_on.isoformat()},
            field="joined_on",
        )
    if left_on is not None and left_on < joined_on:
        raise ApplicationError(_("A member cannot leave before it joined."), field="left_on")
    for other_joined, other_left in others:
        if (other_left is None or other_left >= joined_on) and (left_on is None or left_on >= other_joined):
            if other_left is None:
                raise ApplicationError(
                    _("%(organisation)s is already a member of %(cluster)s.")
                    % {"organisation": organisation, "cluster": cluster},
                    field="organisation",
                )
            raise ApplicationError(
                _("%(organisation)s was a member of %(cluster)s until %(date)s; it can join again only after that.")
                % {"organisation": organisation, "cluster": cluster, "date": other_left.isoformat()},
                field="joined_on",
            )


def cluster_member_add(*, actor, cluster: Cluster, organisation: Organisation, joined_on: date) -> ClusterMember:
    """An organisation joins a cluster (see `cluster_member_period_check`)."""
    with transaction.atomic():
        # The lock serialises joins to one cluster, so two at once cannot overlap.
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        others = cluster.memberships.filter(organisation=organisation).values_list("joined_on", "left_on")
        cluster_member_period_check(cluster=cluster, organisation=organisation, joined_on=joined_on, others=others)
        member = ClusterMember.objects.create(cluster=cluster, organisation=organisation, joined_on=joined_on)
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": joined_on})
    return member


def cluster_member_leave(*, actor, member: ClusterMember, left_on: date) -> ClusterMember:
    with transaction.atomic():
        member = ClusterMember.objects.select_for_update().select_related("cluster").get(pk=member.pk)
        if member.left_on is not None:
            raise ApplicationError(
                _("%(member)s already left on %(date)s.") % {"member": member, "date": member.left_on.isoformat()},
                field="left_on",
            )
        if left_on < member.joined_on:
            raise ApplicationError(_("A member cannot leave before it joined."), field="left_on")
        if member.organisation_id == member.cluster.coordinator_id:
            raise ApplicationError(
                _("%(organisation)s coordinates %(cluster)s; it cannot leave while it coordinates it.")
                % {"organisation": member.organisation, "cluster": member.cluster},
                field="member",
            )
        old = {"left_on": member.left_on}
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit_record(actor=actor, obj=member, event_type=AuditEventType.LEFT, old=old, new={"left_on": left_on})
    return member


def excellence_label_award(
    *, actor, cluster: Cluster, level: str, awarded_on: date, valid_until: date
) -> ExcellenceLabel:
    if level not in LabelLevel.values:
        raise ApplicationError(_("Unknown label level “%(value)s”.") % {"value": level}, field="level")
    if valid_until <= awarded_on:
        raise ApplicationError(_("A label must be valid until after the day it is awarded."), field="valid_until")
    with transaction.atomic():
        label = ExcellenceLabel.objects.create(
            cluster=cluster, level=level, awarded_on=awarded_on, valid_until=valid_until
        )
        audit_record(
            actor=actor,
            obj=label,
            event_type=AuditEventType.AWARDED,
            new=field_values(label, ["level", "awarded_on", "valid_until"]),
        )
    return label


def network_membership_add(*, actor, cluster: Cluster, network: str, joined_on: date) -> NetworkMembership:
    network = (network or "").strip()
    if not network:
        raise ApplicationError(_("Name the network the cluster joins."), field="network")
    if cluster.network_memberships.filter(network=network, left_on__isnull=True).exists():
        raise ApplicationError(
            _("%(cluster)s is already a member of %(network)s.") % {"cluster": cluster, "network": network},
            field="network",
        )
    with transaction.atomic():
        membership = NetworkMembership.objects.create(cluster=cluster, network=network, joined_on=joined_on)
        audit_record(
            actor=actor,
            obj=membership,
            event_type=AuditEventType.JOINED,
            new={"network": network, "joined_on": joined_on},
        )
    return membership


def cluster_activity_record(*, actor, cluster: Cluster, kind: str, held_on: date, title: str) -> ClusterActivity:
    if kind not in ActivityKind.values:
        raise ApplicationError(_("Unknown activity kind “%(value)s”.") % {"value": kind}, field="kind")
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("An activity needs a title."), field="title")
    with transaction.atomic():
        activity = ClusterActivity.objects.create(cluster=cluster, kind=kind, held_on=held_on, title=title)
        audit_record(
            actor=actor, obj=activity, event_type=AuditEventType.RECORDED, new={"kind": kind, "held_on": held_on}
        )
    return activity
