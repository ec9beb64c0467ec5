"""Every table of the portal, imported in one place for migrations and tests."""

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
from placements.models import Position, PositionCompetence, PositionLanguage
from portal.accounts.models import Invitation, LoginAttempt, LoginSession, User
from portal.audit import AuditEvent
from portal.database import metadata
from portal.idempotency import FormSubmission

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
