"""Money and results, one module per family: programmes (instruments, cost
categories, indicators), calls (envelopes, criteria), applications (and their
selection), projects (budget lines, indicators, payments). Invariants that one
row can express are database constraints; those that span rows are checked in
grants.services."""

from grants.models.applications import (
    Application,
    ApplicationAttachment,
    ApplicationBudgetLine,
    ApplicationIndicatorTarget,
    ApplicationStatus,
    AssignmentStatus,
    AttachmentKind,
    CriterionScore,
    EvaluatorAssignment,
    FundingDecision,
)
from grants.models.calls import Call, CallStatus, Envelope, EvaluationCriterion, SelectionMethod
from grants.models.programmes import (
    CostCategory,
    Indicator,
    IndicatorKind,
    IndicatorUnit,
    Instrument,
    InstrumentIndicator,
    Programme,
    StateAidRegime,
    unit_label,
)
from grants.models.projects import (
    HALF_CENT,
    BudgetLine,
    IndicatorTarget,
    IndicatorValue,
    Payment,
    PaymentKind,
    Project,
    ProjectStatus,
)

__all__ = [
    "HALF_CENT",
    "Application",
    "ApplicationAttachment",
    "ApplicationBudgetLine",
    "ApplicationIndicatorTarget",
    "ApplicationStatus",
    "AssignmentStatus",
    "AttachmentKind",
    "BudgetLine",
    "Call",
    "CallStatus",
    "CostCategory",
    "CriterionScore",
    "Envelope",
    "EvaluationCriterion",
    "EvaluatorAssignment",
    "FundingDecision",
    "Indicator",
    "IndicatorKind",
    "IndicatorTarget",
    "IndicatorUnit",
    "IndicatorValue",
    "Instrument",
    "InstrumentIndicator",
    "Payment",
    "PaymentKind",
    "Programme",
    "Project",
    "ProjectStatus",
    "SelectionMethod",
    "StateAidRegime",
    "unit_label",
]
