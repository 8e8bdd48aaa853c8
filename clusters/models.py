"""Who takes part: organisations, clusters and their members, labels of
excellence, international networks, strategies and activities."""

from django.conf import settings
from django.db import models

from clusters.validators import validate_company_code


class OrganisationType(models.TextChoices):
    SME = "sme", "SME"
    LARGE = "large", "Large enterprise"
    RESEARCH = "research", "Research organisation"
    PUBLIC = "public", "Public body"
    NGO = "ngo", "NGO"


class Region(models.TextChoices):
    VILNIUS = "vilnius", "Vilnius"
    KAUNAS = "kaunas", "Kaunas"
    KLAIPEDA = "klaipeda", "Klaipėda"
    SIAULIAI = "siauliai", "Šiauliai"
    PANEVEZYS = "panevezys", "Panevėžys"
    ALYTUS = "alytus", "Alytus"
    MARIJAMPOLE = "marijampole", "Marijampolė"
    TAURAGE = "taurage", "Tauragė"
    TELSIAI = "telsiai", "Telšiai"
    UTENA = "utena", "Utena"


class Organisation(models.Model):
    name = models.CharField(max_length=250)
    legal_code = models.CharField("company code", max_length=9, unique=True, validators=[validate_company_code])
    organisation_type = models.CharField(max_length=10, choices=OrganisationType.choices)
    sector = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=20, choices=Region.choices)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_code__regex=r"^[1-3][0-9]{8}$"), name="organisation_legal_code_9_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(organisation_type__in=OrganisationType.values), name="organisation_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationUser(models.Model):
    """An applicant account acting for its organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_link")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class MaturityLevel(models.IntegerChoices):
    EMERGING = 1, "Emerging"
    DEVELOPING = 2, "Developing"
    MATURE = 3, "Mature"
    SELF_SUFFICIENT = 4, "Mature and self-sufficient"


class Cluster(models.Model):
    name = models.CharField(max_length=250, unique=True)
    coordinator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="coordinated_clusters")
    sector = models.CharField(max_length=120, blank=True)
    established_on = models.DateField()
    is_new_initiative = models.BooleanField(default=False)
    maturity_level = models.PositiveSmallIntegerField(choices=MaturityLevel.choices, default=MaturityLevel.EMERGING)
    # Strategy flags (national targets in seed_facts.json).
    has_circular_economy_strategy = models.BooleanField(default=False)
    has_digitisation_strategy = models.BooleanField(default=False)
    considers_sustainability = models.BooleanField(default=False)
    in_pact_for_skills = models.BooleanField(default=False)
    members = models.ManyToManyField(Organisation, through="ClusterMember", related_name="clusters")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterMember(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cluster_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["cluster", "joined_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="cluster_member_left_after_joined",
            ),
            models.UniqueConstraint(fields=["cluster", "organisation", "joined_on"], name="cluster_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.cluster}"


class LabelLevel(models.TextChoices):
    BRONZE = "bronze", "Bronze"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"


class ExcellenceLabel(models.Model):
    """European Cluster Excellence Initiative label."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="labels")
    level = models.CharField(max_length=10, choices=LabelLevel.choices)
    awarded_on = models.DateField()
    valid_until = models.DateField()

    class Meta:
        ordering = ["cluster", "-awarded_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("awarded_on")), name="label_valid_after_awarded"
            ),
            models.CheckConstraint(condition=models.Q(level__in=LabelLevel.values), name="label_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} label, {self.cluster}"


class NetworkMembership(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="network_memberships")
    network = models.CharField(max_length=200)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["cluster", "network"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="network_membership_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} in {self.network}"


class ActivityKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    MATURITY_SESSION = "maturity_session", "Maturity session"
    TRAINING = "training", "Training"


class ClusterActivity(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    held_on = models.DateField()
    title = models.CharField(max_length=250)

    class Meta:
        ordering = ["cluster", "held_on"]
        verbose_name_plural = "cluster activities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
