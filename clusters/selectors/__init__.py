"""Reads about organisations and the cluster registry, one module per family
(organisations, landscape, scorecard); re-exported here so that callers import from
`clusters.selectors`."""

from clusters.selectors.landscape import (
    NATIONAL_TARGETS_PATH,
    LabelCount,
    Landscape,
    NationalTarget,
    cluster_landscape,
    national_targets,
)
from clusters.selectors.organisations import (
    join_requests_decidable_by,
    organisation_id_for,
)
from clusters.selectors.scorecard import (
    Scorecard,
    ScorecardTarget,
    TrendPoint,
    clusters_behind,
    scorecard,
)

__all__ = [
    "LabelCount",
    "Landscape",
    "NATIONAL_TARGETS_PATH",
    "NationalTarget",
    "Scorecard",
    "ScorecardTarget",
    "TrendPoint",
    "cluster_landscape",
    "clusters_behind",
    "join_requests_decidable_by",
    "national_targets",
    "organisation_id_for",
    "scorecard",
]
