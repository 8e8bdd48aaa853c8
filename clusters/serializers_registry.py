"""The cluster registry in the API: a cluster in the list (as of a day), a
cluster with everything its page shows, and the officer's edit of a cluster."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clusters.models import (
    ActivityKind,
    ClusterActivity,
    ClusterCommitment,
    ClusterMember,
    CommitmentKind,
    LabelLevel,
    MaturityAssessment,
    MaturityLevel,
    NetworkMembership,
    Organisation,
    Region,
)


def _one_of(choices) -> str:
    # Plain strings in the schema (each value listed): the same enum names
    # ("kind", "level") belong to other families' choice sets.
    return "One of " + ", ".join(f"`{value}`" for value in choices.values) + "."


class OrganisationBriefSerializer(serializers.ModelSerializer):
    region = serializers.CharField(read_only=True, help_text=_one_of(Region))

    class Meta:
        model = Organisation
        fields = ["id", "name", "legal_code", "region"]
        read_only_fields = fields


class ValidLabelSerializer(serializers.Serializer):
    level = serializers.CharField(help_text=_one_of(LabelLevel))
    valid_until = serializers.DateField()


class ClusterListSerializer(serializers.Serializer):
    """A cluster as the list shows it, as of `as_of`."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    coordinator = OrganisationBriefSerializer()
    sector = serializers.CharField()
    established_on = serializers.DateField()
    dissolved_on = serializers.DateField(allow_null=True)
    is_new_initiative = serializers.BooleanField()
    version = serializers.IntegerField()
    member_count = serializers.IntegerField(help_text="Distinct organisations with a membership open on the day.")
    valid_label = serializers.SerializerMethodField()
    networks = serializers.SerializerMethodField()
    strategy_flags = serializers.SerializerMethodField()
    maturity_level = serializers.IntegerField(
        source="maturity_level_on", allow_null=True, help_text="The latest assessment on or before the day."
    )

    @extend_schema_field(ValidLabelSerializer(allow_null=True))
    def get_valid_label(self, cluster):
        if not cluster.label_level:
            return None
        return {"level": cluster.label_level, "valid_until": cluster.label_valid_until.isoformat()}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_networks(self, cluster):
        return [membership.network for membership in cluster.current_networks]

    @extend_schema_field(serializers.ListField(child=serializers.CharField(help_text=_one_of(CommitmentKind))))
    def get_strategy_flags(self, cluster):
        return [commitment.kind for commitment in cluster.current_commitments]


class MemberSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer()

    class Meta:
        model = ClusterMember
        fields = ["id", "organisation", "joined_on", "left_on"]


class LabelRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="label.pk")
    level = serializers.CharField(source="label.level", help_text=_one_of(LabelLevel))
    awarded_on = serializers.DateField(source="label.awarded_on")
    valid_until = serializers.DateField(source="label.valid_until")
    status = serializers.CharField(help_text="On the day: `valid`, `expired` or `future`.")


class NetworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = NetworkMembership
        fields = ["id", "network", "joined_on", "left_on"]


class CommitmentSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_one_of(CommitmentKind))

    class Meta:
        model = ClusterCommitment
        fields = ["id", "kind", "started_on", "ended_on", "note"]


class MaturitySerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(help_text=_one_of(MaturityLevel))

    class Meta:
        model = MaturityAssessment
        fields = ["id", "level", "assessed_on"]


class ActivitySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_one_of(ActivityKind))

    class Meta:
        model = ClusterActivity
        fields = ["id", "kind", "held_on", "title"]


class IndicatorProgressSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    target = serializers.DecimalField(max_digits=16, decimal_places=2)
    achieved = serializers.DecimalField(max_digits=16, decimal_places=2)


class ClusterProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    title = serializers.CharField()
    instrument_code = serializers.CharField()
    beneficiary_id = serializers.IntegerField()
    beneficiary_name = serializers.CharField()
    is_coordinator = serializers.BooleanField()
    status = serializers.CharField(source="status_label")
    grant_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    indicators = IndicatorProgressSerializer(many=True)


class ClusterDetailSerializer(serializers.Serializer):
    """A cluster with its members over time, labels, networks, strategy flags,
    maturity, activities and the projects of its organisations."""

    id = serializers.IntegerField(source="cluster.pk")
    name = serializers.CharField(source="cluster.name")
    coordinator = OrganisationBriefSerializer(source="cluster.coordinator")
    sector = serializers.CharField(source="cluster.sector")
    established_on = serializers.DateField(source="cluster.established_on")
    dissolved_on = serializers.DateField(source="cluster.dissolved_on", allow_null=True)
    is_new_initiative = serializers.BooleanField(source="cluster.is_new_initiative")
    version = serializers.IntegerField(source="cluster.version")
    as_of = serializers.DateField(source="day")
    member_count = serializers.IntegerField()
    members = MemberSerializer(many=True)
    labels = LabelRowSerializer(many=True)
    networks = NetworkSerializer(many=True)
    strategy_flags = CommitmentSerializer(source="commitments", many=True)
    maturity = MaturitySerializer(many=True)
    activities = ActivitySerializer(many=True)
    projects = ClusterProjectSerializer(many=True)


class ClusterWriteSerializer(serializers.Serializer):
    """An officer's edit: `version` is the one the edit was made from (409 when stale)."""

    version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=250, required=False)
    coordinator = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False)
    sector = serializers.CharField(max_length=120, required=False, allow_blank=True)
    established_on = serializers.DateField(required=False)
    dissolved_on = serializers.DateField(required=False, allow_null=True)
    is_new_initiative = serializers.BooleanField(required=False)
