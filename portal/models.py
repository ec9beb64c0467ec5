"""Every table of the portal, imported in one place for migrations and tests."""

from accounts.models import Invitation, LoginAttempt, LoginSession, User
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
from competences.models import AssessmentCriterion, Competence, Framework, Unit
from employers.models import Organisation, ReadinessProfile
from kit.audit import AuditEvent
from kit.idempotency import FormSubmission
from placements.models import Position, PositionCompetence, PositionLanguage
from portal.database import metadata

__all__ = [
    "AssessmentCriterion",
    "AuditEvent",
    "Candidate",
    "CandidateAccess",
    "CandidateLanguage",
    "Claim",
    "Competence",
    "ConsentRecord",
    "EvidenceItem",
    "FormSubmission",
    "Framework",
    "GuidanceNote",
    "Interview",
    "Invitation",
    "LoginAttempt",
    "LoginSession",
    "Organisation",
    "Position",
    "PositionCompetence",
    "PositionLanguage",
    "ReadinessProfile",
    "Unit",
    "User",
    "VerifiedCompetence",
    "metadata",
]
