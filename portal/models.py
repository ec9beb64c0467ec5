"""Every table of the portal, imported in one place for migrations and tests."""

from accounts.models import Invitation, LoginAttempt, LoginSession, User
from assessments.models import (
    AssessmentDecision,
    DecisionOutcome,
    PlanOutcome,
    Rating,
    RatingSheet,
    TutorLink,
)
from candidates.models import (
    Candidate,
    CandidateAccess,
    CandidateLanguage,
    Claim,
    ConsentRecord,
    EvidenceItem,
    GuidanceNote,
    Interview,
    VerifiedCompetence,
)
from certificates.models import Certificate
from competences.models import AssessmentCriterion, Competence, Framework, Unit
from employers.models import Organisation, ReadinessProfile
from kit.audit import AuditEvent
from kit.idempotency import FormSubmission
from kit.outbox import OutboxMessage
from placements.models import Position, PositionCompetence, PositionLanguage
from portal.database import metadata
from reporting.models import DisseminationEvent, Outcome, ParticipantData, Report, Training

__all__ = [
    "AssessmentCriterion",
    "AssessmentDecision",
    "AuditEvent",
    "Candidate",
    "CandidateAccess",
    "CandidateLanguage",
    "Certificate",
    "Claim",
    "Competence",
    "ConsentRecord",
    "DecisionOutcome",
    "DisseminationEvent",
    "EvidenceItem",
    "FormSubmission",
    "Framework",
    "GuidanceNote",
    "Interview",
    "Invitation",
    "LoginAttempt",
    "LoginSession",
    "Organisation",
    "OutboxMessage",
    "Outcome",
    "ParticipantData",
    "PlanOutcome",
    "Position",
    "PositionCompetence",
    "PositionLanguage",
    "Rating",
    "RatingSheet",
    "ReadinessProfile",
    "Report",
    "Training",
    "TutorLink",
    "Unit",
    "User",
    "VerifiedCompetence",
    "metadata",
]
