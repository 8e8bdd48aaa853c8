"""Who takes part: organisations, clusters and their members, labels of
excellence, international networks, strategies and activities."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clusters.validators import validate_company_code, validate_vat_code


class OrganisationType(models.TextChoices):
    SME = "sme", _("SME")
    LARGE = "large", _("Large enterprise")
    RESEARCH = "research", _("Research organisation")
    PUBLIC = "public", _("Public body")
    NGO = "ngo", _("NGO")


class Region(models.TextChoices):
    VILNIUS = "vilnius", _("Vilnius")
    KAUNAS = "kaunas", _("Kaunas")
    KLAIPEDA = "klaipeda", _("Klaipėda")
    SIAULIAI = "siauliai", _("Šiauliai")
    PANEVEZYS = "panevezys", _("Panevėžys")
    ALYTUS = "alytus", _("Alytus")
    MARIJAMPOLE = "marijampole", _("Marijampolė")
    TAURAGE = "taurage", _("Tauragė")
    TELSIAI = "telsiai", _("Telšiai")
    UTENA = "utena", _("Utena")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=250)
    legal_code = models.CharField(_("company code"), max_length=9, unique=True, validators=[validate_company_code])
    # Stored as "LT" and its 9 or 12 digits; blank when the organisation is not a VAT payer.
    vat_code = models.CharField(_("VAT code"), max_length=14, blank=True, default="", validators=[validate_vat_code])
    organisation_type = models.CharField(_("organisation type"), max_length=10, choices=OrganisationType.choices)
    # SME status (Commission Recommendation 2003/361/EC) apart from the type: a
    # research organisation or an NGO may also be an SME; an "sme" is always one,
    # a large enterprise never.
    is_sme = models.BooleanField(_("SME status"), default=False)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_code__regex=r"^[1-3][0-9]{8}$"), name="organisation_legal_code_9_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(organisation_type__in=OrganisationType.values), name="organisation_type_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(organisation_type=OrganisationType.LARGE, is_sme=True),
                name="organisation_large_not_sme",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationUser(models.Model):
    """An applicant account acting for its organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="organisation_link"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="users"
    )
    # The organisation's administrator approves who else may act for it.
    is_admin = models.BooleanField(_("organisation administrator"), default=False)

    class Meta:
        verbose_name = _("organisation user")
        verbose_name_plural = _("organisation users")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class JoinRequestStatus(models.TextChoices):
    # A context: in Lithuanian the word agrees with "prašymas" (a request).
    PENDING = "pending", pgettext_lazy("join request", "Pending")
    APPROVED = "approved", pgettext_lazy("join request", "Approved")
    REJECTED = "rejected", pgettext_lazy("join request", "Rejected")


class OrganisationJoinRequest(models.Model):
    """An applicant account asks to act for a registered organisation; the
    organisation's administrator or a programme officer decides."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message to the administrator"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("request to join an organisation")
        verbose_name_plural = _("requests to join an organisation")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JoinRequestStatus.values), name="join_request_status_valid"
            ),
            # One open request per account at a time.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="join_request_one_pending_per_user"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="join_request_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(user)s asks to join %(organisation)s") % {
            "user": self.user,
            "organisation": self.organisation,
        }


class MaturityLevel(models.IntegerChoices):
    EMERGING = 1, _("Emerging")
    DEVELOPING = 2, _("Developing")
    MATURE = 3, _("Mature")
    SELF_SUFFICIENT = 4, _("Mature and self-sufficient")


class Cluster(models.Model):
    name = models.CharField(_("name"), max_length=250, unique=True)
    coordinator = models.ForeignKey(
        Organisation, verbose_name=_("coordinator"), on_delete=models.PROTECT, related_name="coordinated_clusters"
    )
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    established_on = models.DateField(_("established on"))
    is_new_initiative = models.BooleanField(_("new cluster initiative"), default=False)
    # Strategy flags and maturity are dated records (ClusterCommitment,
    # MaturityAssessment); clusters/0006 moved the old columns into them.
    members = models.ManyToManyField(
        Organisation, verbose_name=_("members"), through="ClusterMember", related_name="clusters"
    )
    # A cluster that ceased to exist stops counting from this day.
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    # Optimistic locking: every edit states the version it was made from.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterMember(models.Model):
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="cluster_memberships"
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("cluster member")
        verbose_name_plural = _("cluster members")
        ordering = ["cluster", "joined_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="cluster_member_left_after_joined",
            ),
            models.UniqueConstraint(fields=["cluster", "organisation", "joined_on"], name="cluster_member_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(organisation)s in %(cluster)s") % {"organisation": self.organisation, "cluster": self.cluster}


class LabelLevel(models.TextChoices):
    BRONZE = "bronze", _("Bronze")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")


class ExcellenceLabel(models.Model):
    """European Cluster Excellence Initiative label."""

    cluster = models.ForeignKey(Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="labels")
    level = models.CharField(_("level"), max_length=10, choices=LabelLevel.choices)
    awarded_on = models.DateField(_("awarded on"))
    valid_until = models.DateField(_("valid until"))

    class Meta:
        verbose_name = _("excellence label")
        verbose_name_plural = _("excellence labels")
        ordering = ["cluster", "-awarded_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("awarded_on")), name="label_valid_after_awarded"
            ),
            models.CheckConstraint(condition=models.Q(level__in=LabelLevel.values), name="label_level_valid"),
        ]

    def __str__(self) -> str:
        return gettext("%(level)s label, %(cluster)s") % {"level": self.get_level_display(), "cluster": self.cluster}


class NetworkMembership(models.Model):
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="network_memberships"
    )
    network = models.CharField(_("network"), max_length=200)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("international network membership")
        verbose_name_plural = _("international network memberships")
        ordering = ["cluster", "network"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="network_membership_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(cluster)s in %(network)s") % {"cluster": self.cluster, "network": self.network}


class ActivityKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    MATURITY_SESSION = "maturity_session", _("Maturity session")
    TRAINING = "training", _("Training")


class ClusterActivity(models.Model):
    cluster = models.ForeignKey(Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=250)

    class Meta:
        verbose_name = _("cluster activity")
        verbose_name_plural = _("cluster activities")
        ordering = ["cluster", "held_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class CommitmentKind(models.TextChoices):
    """What a cluster commits to, each a national target (seed_facts.json)."""

    CIRCULAR_ECONOMY = "circular_economy", _("Circular economy strategy or projects")
    DIGITISATION = "digitisation", _("Digitisation strategy or projects")
    SUSTAINABILITY = "sustainability", _("Takes sustainability and going green into account")
    PACT_FOR_SKILLS = "pact_for_skills", _("Participates in the Pact for Skills")


class ClusterCommitment(models.Model):
    """A dated strategy flag: from `started_on` until `ended_on` (open when
    blank) the cluster holds the commitment. The scorecard's trend reads these
    rows as of any day; nothing is snapshotted."""

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="commitments"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CommitmentKind.choices)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("cluster strategy flag")
        verbose_name_plural = _("cluster strategy flags")
        ordering = ["cluster", "kind", "started_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CommitmentKind.values), name="commitment_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="commitment_ended_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster}: {self.get_kind_display()}"


class MaturityAssessment(models.Model):
    """A dated maturity assessment; the latest one on or before a day is the
    cluster's maturity on that day."""

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="maturity_assessments"
    )
    level = models.PositiveSmallIntegerField(_("maturity level"), choices=MaturityLevel.choices)
    assessed_on = models.DateField(_("assessed on"))

    class Meta:
        verbose_name = _("maturity assessment")
        verbose_name_plural = _("maturity assessments")
        ordering = ["cluster", "assessed_on"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "assessed_on"], name="maturity_assessment_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(level__in=MaturityLevel.values), name="maturity_assessment_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster}: {self.get_level_display()} ({self.assessed_on.isoformat()})"
