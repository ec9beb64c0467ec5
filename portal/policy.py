"""The route-policy table: every route, who may use it, and whether an object check applies.

This table is the access rule of the whole portal. One guard (:func:`enforce_policy`) applies
it to every request, so a route missing from the table is denied to everybody (fail closed),
and ``tests/portal/test_policy.py`` fails when a route is missing here, when a row names a
route that does not exist, or when any role gets a different answer than the row says.

``object_check`` means the role passes this table but the handler also checks the object
(an employer sees only its own organisation's positions; another organisation's object
answers 404, not 403, so ids cannot be probed).

``partners_only`` means that for an organisation's people (employer contacts, tutors) the
route serves candidates only while the organisation is an approved partner: otherwise the
services refuse (opening a position, answering a proposal: 409 or 404) or answer empty (the
proposals list). The status is read in the transaction that acts, not from this table, as it
can change at any moment; ``tests/portal/test_policy.py`` walks these routes as people of a
partner, an applied, a rejected and an inactive organisation.

Adding a route: add its row here, in the same commit, under its domain's heading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from kit.roles import PATHWAY_ROLES, Role


@dataclass(frozen=True)
class Access:
    """Who may use a route. ``roles is None`` means anyone, signed in or not."""

    roles: frozenset[Role] | None
    object_check: bool = False
    partners_only: bool = False

    def allows(self, role: Role | None) -> bool:
        if self.roles is None:
            return True
        return role is not None and role in self.roles


def allow(*roles: Role, object_check: bool = False, partners_only: bool = False) -> Access:
    return Access(roles=frozenset(roles), object_check=object_check, partners_only=partners_only)


PUBLIC = Access(roles=None)
# Anyone signed in, the steering committee too: only routes about oneself (home, who am I,
# one's own password).
SIGNED_IN = allow(*Role)
# Everyone on the pathway (not the steering committee), each seeing only the objects the
# handler lets them see.
PATHWAY_OBJECTS = allow(*PATHWAY_ROLES, object_check=True)
STAFF = allow(Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER)
COORDINATOR = allow(Role.COORDINATOR)
CANDIDATE = allow(Role.CANDIDATE)
# Staff, and a candidate for their own objects only (another's answers 404).
STAFF_AND_OWN = allow(
    Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, Role.CANDIDATE, object_check=True
)


ROUTE_POLICY: dict[str, Access] = {
    # --- portal: public pages, health, API document, static files
    "GET /": PUBLIC,
    "GET /healthz": PUBLIC,
    # Public in the table because Prometheus signs in to nothing: the handler asks for the
    # bearer token ISOK_METRICS_TOKEN (401 without it) and answers 404 when none is set.
    "GET /metrics": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC,
    "POST /language": PUBLIC,
    "GET /accessibility": PUBLIC,
    "GET /privacy": PUBLIC,
    "GET /schema": PUBLIC,
    "GET /schema/openapi.json": PUBLIC,
    "GET /schema/{path}": PUBLIC,
    "GET /static/{file_path}": PUBLIC,
    "HEAD /static/{file_path}": PUBLIC,
    # --- portal: signed-in pages
    "GET /home": SIGNED_IN,
    "GET /api/me": SIGNED_IN,
    "GET /api/me/export": SIGNED_IN,
    # The record of processing activities (GDPR art. 30), from the data inventory.
    "GET /processing": COORDINATOR,
    # The outbox: what waits, what failed and why; in development the messages as files.
    "GET /mail": COORDINATOR,
    "POST /mail/{message_id}/retry": COORDINATOR,
    # --- competences: frameworks are browsed by staff
    "GET /frameworks": STAFF,
    "GET /frameworks/{code}": STAFF,
    "GET /api/frameworks": STAFF,
    "GET /api/frameworks/{code}": STAFF,
    # --- competences: type-ahead (issue 3, positions helper)
    "GET /competences/suggest": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, Role.EMPLOYER
    ),
    "GET /api/competences": allow(Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, Role.EMPLOYER),
    # --- portal: registration of organisations (issue 3, organisations helper)
    "GET /register": PUBLIC,
    "POST /register": PUBLIC,
    # --- employers: organisations, partners, API (issue 3, organisations helper)
    "GET /partners": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "GET /organisation": allow(Role.EMPLOYER, Role.TUTOR),
    "GET /organisations": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "GET /organisations/{organisation_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.EMPLOYER, Role.TUTOR, object_check=True
    ),
    "GET /organisations/{organisation_id}/edit": allow(
        Role.COORDINATOR, Role.EMPLOYER, object_check=True
    ),
    "POST /organisations/{organisation_id}/edit": allow(
        Role.COORDINATOR, Role.EMPLOYER, object_check=True
    ),
    "POST /organisations/{organisation_id}/approve": COORDINATOR,
    "POST /organisations/{organisation_id}/reject": COORDINATOR,
    "POST /organisations/{organisation_id}/deactivate": COORDINATOR,
    "POST /organisations/{organisation_id}/reactivate": COORDINATOR,
    "GET /api/organisations": allow(Role.COORDINATOR, Role.COUNSELLOR, Role.EMPLOYER),
    "GET /api/organisations/{organisation_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.EMPLOYER, object_check=True
    ),
    "PATCH /api/organisations/{organisation_id}": allow(
        Role.COORDINATOR, Role.EMPLOYER, object_check=True
    ),
    "POST /api/organisations/{organisation_id}/decision": COORDINATOR,
    # --- employers: readiness profiles (issue 3, readiness helper)
    # Read: the organisation's own people and staff who advise on placements; edit: its
    # employer contacts and the coordinator. Another organisation's profile answers 404.
    "GET /organisations/{organisation_id}/readiness": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.EMPLOYER, Role.TUTOR, object_check=True
    ),
    "GET /organisations/{organisation_id}/readiness/edit": allow(
        Role.COORDINATOR, Role.EMPLOYER, object_check=True
    ),
    "POST /organisations/{organisation_id}/readiness/edit": allow(
        Role.COORDINATOR, Role.EMPLOYER, object_check=True
    ),
    # --- portal: people and invitations (issue 3, readiness helper)
    # An employer contact sees and invites the people of its own organisation; the
    # invitation link itself is the credential, so its pages are public.
    "GET /organisation/people": allow(Role.EMPLOYER),
    "POST /organisation/people": allow(Role.EMPLOYER),
    "POST /organisation/people/{user_id}/deactivate": allow(Role.EMPLOYER, object_check=True),
    "POST /organisation/people/{user_id}/reactivate": allow(Role.EMPLOYER, object_check=True),
    "POST /organisation/people/invitations/{invitation_id}/withdraw": allow(
        Role.EMPLOYER, object_check=True
    ),
    "GET /invitations/{token}": PUBLIC,
    "POST /invitations/{token}": PUBLIC,
    # --- accounts: one's own password, password links, staff users (issue 10, accounts)
    # The password link is the credential, so its pages are public.
    # One's own notifications and e-mail choices (issue 17).
    "GET /notifications": SIGNED_IN,
    "POST /notifications/{notification_id}/open": SIGNED_IN,
    "POST /notifications/read": SIGNED_IN,
    "GET /notifications/settings": SIGNED_IN,
    "POST /notifications/settings": SIGNED_IN,
    "GET /account/password": SIGNED_IN,
    "POST /account/password": SIGNED_IN,
    "GET /password/forgot": PUBLIC,
    "POST /password/forgot": PUBLIC,
    "GET /password/reset/{token}": PUBLIC,
    "POST /password/reset/{token}": PUBLIC,
    "GET /users": COORDINATOR,
    "POST /users": COORDINATOR,
    "POST /users/{user_id}/password-link": COORDINATOR,
    "POST /users/{user_id}/unlock": COORDINATOR,
    "POST /users/{user_id}/deactivate": COORDINATOR,
    "POST /users/{user_id}/reactivate": COORDINATOR,
    # --- placements: positions (issue 3, positions helper)
    # Staff read every organisation's positions; employers and tutors their own; only
    # employers write, and only their own organisation's (the handlers check the object).
    "GET /positions": PATHWAY_OBJECTS,
    "GET /positions/new": allow(Role.EMPLOYER),
    "POST /positions": allow(Role.EMPLOYER),
    "GET /positions/{position_id}": PATHWAY_OBJECTS,
    "GET /positions/{position_id}/edit": allow(Role.EMPLOYER, object_check=True),
    "POST /positions/{position_id}/edit": allow(Role.EMPLOYER, object_check=True),
    # Opening a position needs an approved partner (closing does not).
    "POST /positions/{position_id}/status": allow(
        Role.EMPLOYER, object_check=True, partners_only=True
    ),
    "POST /positions/{position_id}/copy": allow(Role.EMPLOYER, object_check=True),
    "GET /api/positions": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, Role.EMPLOYER, object_check=True
    ),
    "POST /api/positions": allow(Role.EMPLOYER),
    "GET /api/positions/{position_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, Role.EMPLOYER, object_check=True
    ),
    "PATCH /api/positions/{position_id}": allow(
        Role.EMPLOYER, object_check=True, partners_only=True
    ),
    # --- placements: match suggestions and decisions (issue 6, decisions helper)
    # Counsellors and the coordinator read the engine's advice; only counsellors decide, and
    # only on candidates they may see (the handler checks the candidate and the position).
    "GET /positions/{position_id}/suggestions": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /positions/{position_id}/suggestions/{candidate_id}/decisions": allow(
        Role.COUNSELLOR, object_check=True
    ),
    "GET /positions/{position_id}/decisions": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /candidates/{candidate_id}/suggestions": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /api/positions/{position_id}/suggestions": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /api/positions/{position_id}/suggestions": allow(Role.COUNSELLOR, object_check=True),
    "GET /api/positions/{position_id}/suggestions/decisions": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    # --- placements: proposals to employers, placements, visits (issue 6, placements helper)
    # An employer sees proposals to its own positions only (consented fields only) and
    # answers them; placements are read by staff (all), the employer (its organisation's)
    # and the tutor (those they tutor); counsellors and the coordinator run the workflow.
    "GET /proposals": allow(Role.EMPLOYER, partners_only=True),
    "GET /positions/{position_id}/proposals/{candidate_id}": allow(
        Role.EMPLOYER, object_check=True, partners_only=True
    ),
    "POST /positions/{position_id}/proposals/{candidate_id}": allow(
        Role.EMPLOYER, object_check=True, partners_only=True
    ),
    "GET /placements": PATHWAY_OBJECTS,
    "GET /placements/{placement_id}": PATHWAY_OBJECTS,
    "POST /placements/{placement_id}/status": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /placements/{placement_id}/details": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /placements/{placement_id}/visits": allow(Role.COUNSELLOR, object_check=True),
    "GET /api/placements": PATHWAY_OBJECTS,
    "POST /api/placements": allow(Role.EMPLOYER, object_check=True, partners_only=True),
    "GET /api/placements/{placement_id}": PATHWAY_OBJECTS,
    "PATCH /api/placements/{placement_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    # --- placements: oversight record and assignment proposal (issue 6, oversight helper)
    "GET /oversight": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "GET /oversight/export": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "GET /assignments": COORDINATOR,
    # --- assessments: consensus (issue 12, consensus helper)
    # Staff read the decision of placements they may see; only the placement's professional
    # teacher signs (another teacher gets 403 from the handler).
    "GET /placements/{placement_id}/assessment/decision": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /placements/{placement_id}/assessment/decision": allow(Role.TEACHER, object_check=True),
    # --- assessments: API and tutor links (issue 12, links helper)
    # Staff and the placement's tutor read its assessment (only the ratings they may see;
    # employers and other tutors get 404 from the handler); the placement's counsellor and
    # teacher (and the coordinator) issue and revoke the tutor's link, in the API and on the
    # pages that show it once (other staff: 403). The link itself is the credential, so its
    # pages are public (throttled per client).
    "GET /api/placements/{placement_id}/assessment": PATHWAY_OBJECTS,
    "POST /api/placements/{placement_id}/assessment/tutor-links": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "DELETE /api/placements/{placement_id}/assessment/tutor-links/{link_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /placements/{placement_id}/assessment/tutor-link": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /placements/{placement_id}/assessment/tutor-link/revoke": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "GET /assess/{token}": PUBLIC,
    "POST /assess/{token}": PUBLIC,
    # --- assessments: pages
    # Staff and the placement's tutor read the assessment; anyone else (an employer, another
    # organisation's tutor) gets the same 404 as for a placement that does not exist. Only a
    # seat holder of the placement rates (staff without a seat: 403 from the handler); its
    # counsellor and teacher, and the coordinator, change the plan.
    "GET /placements/{placement_id}/assessment": PATHWAY_OBJECTS,
    "POST /placements/{placement_id}/assessment/ratings": allow(
        Role.COUNSELLOR, Role.TEACHER, Role.TUTOR, object_check=True
    ),
    "POST /placements/{placement_id}/assessment/plan": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    # --- certificates (issue 13)
    # Staff read every certificate, as they read every placement's assessment; the
    # coordinator, or the counsellor of the placement or of the candidate, issues one from a
    # signed decision (other counsellors: 403 from the handler); only the coordinator revokes.
    # Verification by code is public (throttled per client), as are the issuer's keys, its
    # DID document and the revocation status lists: third parties verify without an account.
    "GET /certificates": STAFF,
    "GET /certificates/{code}": STAFF,
    "GET /certificates/{code}/certificate.pdf": STAFF_AND_OWN,
    "GET /certificates/{code}/credential.jwt": STAFF_AND_OWN,
    "GET /certificates/{code}/recognition.json": STAFF,
    "POST /certificates/{code}/revocation": COORDINATOR,
    "POST /placements/{placement_id}/certificate": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /api/certificates": STAFF_AND_OWN,
    "GET /api/certificates/{code}": STAFF_AND_OWN,
    "GET /api/certificates/{code}/credential": STAFF_AND_OWN,
    "POST /api/certificates/{code}/revocation": COORDINATOR,
    "GET /verify": PUBLIC,
    "GET /verify/{code}": PUBLIC,
    "GET /.well-known/jwks.json": PUBLIC,
    "GET /.well-known/did.json": PUBLIC,
    "GET /did.json": PUBLIC,
    "GET /credentials/status/{number}": PUBLIC,
    # --- candidates: records, caseload, consent, guidance notes, API (issue 4, records helper)
    # Staff read the candidates they may see (counsellors their caseload, teachers those they
    # interview, the coordinator all; the handlers answer 404 for the rest); counsellors and
    # the coordinator keep the records. Employers and tutors see no candidate in this issue.
    "GET /candidates": allow(Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True),
    "GET /candidates/new": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "POST /candidates": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "GET /candidates/{candidate_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "GET /candidates/{candidate_id}/edit": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/edit": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/notes": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/stage": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/consent": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/account": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    # The candidate's own pages (their home is GET /home): always their own record, found
    # from the signed-in account, never from an id in the request.
    "GET /my/consents": CANDIDATE,
    "POST /my/consents": CANDIDATE,
    "GET /my/portfolio": CANDIDATE,
    "POST /my/claims": CANDIDATE,
    "POST /my/evidence": CANDIDATE,
    "GET /my/corrections": CANDIDATE,
    "POST /my/corrections": CANDIDATE,
    "POST /candidates/{candidate_id}/corrections/{request_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /my/data": CANDIDATE,
    "GET /my/data.pdf": CANDIDATE,
    "GET /candidates/{candidate_id}/data": allow(Role.COORDINATOR, object_check=True),
    "GET /candidates/{candidate_id}/data.json": allow(Role.COORDINATOR, object_check=True),
    "POST /candidates/{candidate_id}/erase": allow(Role.COORDINATOR, object_check=True),
    "GET /api/candidates": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /api/candidates": allow(Role.COORDINATOR, Role.COUNSELLOR),
    "GET /api/candidates/{candidate_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "PATCH /api/candidates/{candidate_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/access": COORDINATOR,
    # --- candidates: portfolio, claims, evidence uploads (issue 4, portfolio helper)
    # Whoever may see the candidate reads the portfolio and downloads its files (teachers
    # too); counsellors and the coordinator change it. Out-of-reach candidates answer 404.
    "GET /candidates/{candidate_id}/portfolio": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /candidates/{candidate_id}/claims": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /candidates/{candidate_id}/claims/{claim_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/claims/{claim_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/claims/{claim_id}/delete": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/claims/{claim_id}/accept": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/evidence/{evidence_id}/accept": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/evidence": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /candidates/{candidate_id}/evidence/{evidence_id}/file": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /candidates/{candidate_id}/evidence/{evidence_id}/delete": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    # --- candidates: teacher interviews (issue 4, interviews helper)
    # Staff see the interviews of the candidates they see (a teacher: their own); another
    # teacher's interview or a candidate outside the caseload answers 404. Counsellors and
    # the coordinator book; only the interview's teacher and the coordinator record.
    "GET /interviews": STAFF,
    "GET /interviews/{interview_id}": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /interviews/{interview_id}/record": allow(
        Role.COORDINATOR, Role.TEACHER, object_check=True
    ),
    "POST /interviews/{interview_id}/schedule": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "POST /interviews/{interview_id}/cancel": allow(
        Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER, object_check=True
    ),
    "GET /candidates/{candidate_id}/interviews/new": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/interviews": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    # --- reporting: outcomes (issue 15, outcomes helper)
    # Those who may change the candidate's record (a counsellor: their caseload and the
    # records opened to them; the coordinator: all) record, change and remove outcomes; any
    # other candidate answers 404. Teachers read them on the candidate's page only.
    "GET /candidates/{candidate_id}/outcomes/new": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/outcomes": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "GET /candidates/{candidate_id}/outcomes/{outcome_id}/edit": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/outcomes/{outcome_id}/edit": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    "POST /candidates/{candidate_id}/outcomes/{outcome_id}/remove": allow(
        Role.COORDINATOR, Role.COUNSELLOR, object_check=True
    ),
    # --- reporting: programme activities (issue 15, activities helper)
    # Trainings and dissemination events name no person: the steering committee reads the
    # page too; only the coordinator records, changes and removes them.
    "GET /activities": allow(Role.COORDINATOR, Role.STEERING),
    "GET /activities/trainings/new": COORDINATOR,
    "POST /activities/trainings": COORDINATOR,
    "GET /activities/trainings/{training_id}/edit": COORDINATOR,
    "POST /activities/trainings/{training_id}/edit": COORDINATOR,
    "POST /activities/trainings/{training_id}/remove": COORDINATOR,
    "GET /activities/events/new": COORDINATOR,
    "POST /activities/events": COORDINATOR,
    "GET /activities/events/{event_id}/edit": COORDINATOR,
    "POST /activities/events/{event_id}/edit": COORDINATOR,
    "POST /activities/events/{event_id}/remove": COORDINATOR,
    # --- reporting: participant data (issue 15, participant data helper)
    # The ESF+ participant data is the coordinator's alone: one candidate's form, and the
    # totals with small counts suppressed (reporting/participants.py). Everyone else: 403.
    "GET /candidates/{candidate_id}/participant-data": COORDINATOR,
    "POST /candidates/{candidate_id}/participant-data": COORDINATOR,
    "GET /participant-data": COORDINATOR,
    # --- reporting: dashboard and indicators (issue 15, dashboard helper)
    # Totals only, no one named: the coordinator and the steering committee (who filters by
    # period, region and field; the counsellor filter, which names staff, is the coordinator's).
    "GET /dashboard": allow(Role.COORDINATOR, Role.STEERING),
    "GET /api/indicators": allow(Role.COORDINATOR, Role.STEERING),
    # --- reporting: six-monthly reports (issue 15, reports helper)
    # The coordinator drafts, freezes and exports every report; the steering committee reads
    # frozen reports and their exports (a draft answers 404 to it; the list says one is in
    # progress). The record ids behind the figures are the coordinator's. Everyone else: 403.
    "GET /reports": allow(Role.COORDINATOR, Role.STEERING),
    "GET /reports/{period_start}": allow(Role.COORDINATOR, Role.STEERING, object_check=True),
    "POST /reports/{period_start}": COORDINATOR,
    "GET /reports/{period_start}/freeze": COORDINATOR,
    "POST /reports/{period_start}/freeze": COORDINATOR,
    "GET /reports/{period_start}/report.csv": allow(
        Role.COORDINATOR, Role.STEERING, object_check=True
    ),
    "GET /reports/{period_start}/report.xlsx": allow(
        Role.COORDINATOR, Role.STEERING, object_check=True
    ),
    "GET /reports/{period_start}/report.pdf": allow(
        Role.COORDINATOR, Role.STEERING, object_check=True
    ),
    "GET /api/reports": allow(Role.COORDINATOR, Role.STEERING),
    "GET /api/reports/{report_id}": allow(Role.COORDINATOR, Role.STEERING, object_check=True),
}


# Methods Litestar answers by itself on every route; they reveal nothing and change nothing.
AUTOMATIC_METHODS = frozenset({"OPTIONS"})


def route_key(method: str, path_template: str) -> str:
    return f"{method.upper()} {path_template}"


def access_for(method: str, path_template: str) -> Access | None:
    return ROUTE_POLICY.get(route_key(method, path_template))


async def enforce_policy(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Guard on every route: allow what the table allows, deny everything else.

    A coroutine although it awaits nothing: Litestar runs a plain function guard in a worker
    thread, a hop every request would pay (docs/performance.md, "Under load").

    An anonymous visitor who is denied gets 401 (the error handler turns that into a
    redirect to the login page for HTML); a signed-in user who is denied gets 403.
    """
    method = str(connection.scope.get("method", "GET"))
    if method in AUTOMATIC_METHODS:
        return  # Litestar's automatic OPTIONS answers only with the allowed methods
    template = str(connection.scope.get("path_template", ""))
    access = access_for(method, template)
    user = connection.scope.get("user")
    role = Role(user.role) if user is not None else None
    if access is not None and access.allows(role):
        return
    if user is None:
        raise NotAuthorizedException("Sign in to continue.")
    raise PermissionDeniedException("Your role does not give access to this page.")
