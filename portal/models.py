"""Every table of the portal, imported in one place for migrations and tests."""

from competences.models import AssessmentCriterion, Competence, Framework, Unit
from employers.models import Organisation
from portal.accounts.models import LoginAttempt, LoginSession, User
from portal.audit import AuditEvent
from portal.database import metadata

__all__ = [
    "AssessmentCriterion",
    "AuditEvent",
    "Competence",
    "Framework",
    "LoginAttempt",
    "LoginSession",
    "Organisation",
    "Unit",
    "User",
    "metadata",
]
