"""Every write about organisations and the cluster registry, one module per family
(organisations, registry); re-exported here so that callers import from
`clusters.services`."""

from clusters.services.organisations import (
    applicant_account_complete,
    join_request_cancel,
    join_request_create,
    join_request_decide,
    join_request_may_decide,
    organisation_check,
    organisation_create,
    organisation_register,
    organisation_user_link,
    organisation_user_link_check,
)
from clusters.services.registry import (
    cluster_activity_record,
    cluster_commitment_end,
    cluster_commitment_start,
    cluster_create,
    cluster_member_add,
    cluster_member_leave,
    cluster_member_period_check,
    cluster_update,
    excellence_label_award,
    excellence_label_withdraw,
    maturity_assessment_record,
    network_membership_add,
    network_membership_end,
)

__all__ = [
    "applicant_account_complete",
    "cluster_activity_record",
    "cluster_commitment_end",
    "cluster_commitment_start",
    "cluster_create",
    "cluster_member_add",
    "cluster_member_leave",
    "cluster_member_period_check",
    "cluster_update",
    "excellence_label_award",
    "excellence_label_withdraw",
    "join_request_cancel",
    "join_request_create",
    "join_request_decide",
    "join_request_may_decide",
    "maturity_assessment_record",
    "network_membership_add",
    "network_membership_end",
    "organisation_check",
    "organisation_create",
    "organisation_register",
    "organisation_user_link",
    "organisation_user_link_check",
]
