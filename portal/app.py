"""The composition root: one function builds the whole portal."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from accounts.language_pages import LanguageController
from accounts.login_pages import LoginController
from accounts.middleware import LoginSessionMiddleware
from accounts.notice_pages import NotificationPages
from accounts.password_pages import AccountPages, PasswordResetPages
from accounts.people import InvitationPages, PeoplePages
from accounts.registration import RegistrationController
from accounts.staff_pages import StaffUserPages
from assessments.api import AssessmentApi
from assessments.decision_pages import DecisionPages
from assessments.link_pages import TutorLinkIssuePages, TutorLinkPages
from assessments.pages import AssessmentPages
from assessments.placement_section import (
    candidate_assessments,
    own_results,
    placement_assessment,
)
from candidates.api import CandidateApi
from candidates.interview_pages import InterviewPages
from candidates.own_pages import CandidateAccountPages, OwnPages
from candidates.pages import CandidatePages
from candidates.portfolio_pages import PortfolioPages
from certificates.api import CertificateApi
from certificates.credential_api import CredentialPublication
from certificates.pages import CertificatePages, IssuePages
from certificates.sections import (
    candidate_certificates,
    own_certificates,
    placement_certificate,
)
from certificates.verify_pages import VerifyPages
from competences.api import CompetenceApi, FrameworkApi
from competences.pages import CompetenceSuggestionPages, FrameworkPages
from employers.api import OrganisationApi
from employers.pages import OrganisationPages
from employers.readiness_pages import ReadinessPages
from kit import (
    audit,  # noqa: F401 - registers the audit listener on every session
    sections,
)
from kit.resources import STATIC_DIR
from kit.roles import provide_viewer
from kit.settings import Settings, get_settings
from placements.lifecycle.api import PlacementApi
from placements.lifecycle.candidate_section import candidate_placements, own_placements
from placements.lifecycle.pages import PlacementPages, ProposalPages
from placements.positions.api import PositionApi
from placements.positions.pages import PositionPages
from placements.review.api import SuggestionApi
from placements.review.index import on_snapshot
from placements.review.oversight_pages import AssignmentPages, OversightPages
from placements.review.suggestion_pages import CandidateSuggestionPages, SuggestionPages
from portal.data_pages import PersonalDataPages
from portal.database import create_engine, create_session_factory, create_sqlalchemy_config
from portal.errors import EXCEPTION_HANDLERS
from portal.logs import redact_link_tokens_in_logs
from portal.mail_pages import MailPages
from portal.metrics import MetricsController, index_updated, request_answered
from portal.observability import ObservedRequests
from portal.openapi import SchemaIndexPlugin
from portal.pages import HealthController, PageController, SharedCheck
from portal.partners import PartnerPages
from portal.path_ids import bound_path_ids
from portal.policy import enforce_policy
from portal.privacy_pages import PrivacyPages
from portal.security import add_security_headers
from portal.templating import create_environment
from reporting.activity_pages import ActivityPages
from reporting.api import IndicatorApi
from reporting.dashboard_pages import DashboardPages
from reporting.outcome_pages import OutcomePages, candidate_outcomes
from reporting.participant_pages import ParticipantAggregatePages, ParticipantDataPages
from reporting.participants import candidate_section as candidate_participant_data
from reporting.report_api import ReportApi
from reporting.report_pages import ReportPages

__version__ = "0.1.0"


async def check_request(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The app's one guard: the route-policy table, then the path's ids. One guard, not two,
    because Litestar copies the route handler for each guard of every request."""
    await enforce_policy(connection, handler)
    await bound_path_ids(connection, handler)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the portal for ``settings`` (default: from the ``ISOK_*`` environment)."""
    settings = settings or get_settings()
    redact_link_tokens_in_logs()
    sections.add("candidate", candidate_placements)
    sections.add("candidate", candidate_assessments)
    sections.add("placement", placement_assessment)
    sections.add("placement", placement_certificate)
    sections.add("decision", placement_certificate)
    sections.add("candidate", candidate_certificates)
    sections.add("candidate", candidate_outcomes)
    sections.add("candidate", candidate_participant_data)
    # The candidate's own home, in the order of their path.
    sections.add("own", own_placements)
    sections.add("own", own_results)
    sections.add("own", own_certificates)
    on_snapshot(index_updated)
    engine = create_engine(settings.database)
    sqlalchemy_config = create_sqlalchemy_config(engine)

    async def dispose_engine(app: Litestar) -> None:
        # The app's engine, which use_database() may have swapped for the one built here.
        await app.state.engine.dispose()

    app = Litestar(
        route_handlers=[
            PageController,
            HealthController,
            MetricsController,
            LoginController,
            LanguageController,
            AccountPages,
            PasswordResetPages,
            StaffUserPages,
            RegistrationController,
            PeoplePages,
            InvitationPages,
            FrameworkPages,
            FrameworkApi,
            CompetenceSuggestionPages,
            CompetenceApi,
            OrganisationPages,
            OrganisationApi,
            PartnerPages,
            ReadinessPages,
            PositionPages,
            PositionApi,
            SuggestionPages,
            CandidateSuggestionPages,
            SuggestionApi,
            ProposalPages,
            PlacementPages,
            PlacementApi,
            OversightPages,
            AssignmentPages,
            CandidatePages,
            CandidateApi,
            CandidateAccountPages,
            OwnPages,
            PersonalDataPages,
            PrivacyPages,
            MailPages,
            NotificationPages,
            PortfolioPages,
            InterviewPages,
            AssessmentPages,
            DecisionPages,
            AssessmentApi,
            TutorLinkPages,
            TutorLinkIssuePages,
            CertificatePages,
            IssuePages,
            CertificateApi,
            VerifyPages,
            CredentialPublication,
            OutcomePages,
            ActivityPages,
            ParticipantDataPages,
            ParticipantAggregatePages,
            DashboardPages,
            IndicatorApi,
            ReportPages,
            ReportApi,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], include_in_schema=False
            ),
        ],
        plugins=[SQLAlchemyPlugin(config=sqlalchemy_config)],
        dependencies={"viewer": Provide(provide_viewer)},
        middleware=[LoginSessionMiddleware],
        guards=[check_request],
        csrf_config=CSRFConfig(
            secret=settings.security.secret_key,
            cookie_secure=settings.security.cookie_secure,
            cookie_httponly=False,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(
                create_environment(auto_reload=settings.env == "development")
            )
        ),
        openapi_config=OpenAPIConfig(
            title="ISOK portal API",
            version=__version__,
            path="/schema",
            render_plugins=[SchemaIndexPlugin()],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[add_security_headers],
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "session_factory": create_session_factory(engine),
                # The sign-in middleware looks the session up in the request's own database
                # session, which the handler then uses (accounts/middleware.py).
                "request_session": sqlalchemy_config.provide_session,
                "health_check": SharedCheck(),
            }
        ),
        on_shutdown=[dispose_engine],
        debug=settings.debug,
        logging_config=None,
    )
    # Around everything, routing and error handling included, as Litestar wraps its own
    # OpenTelemetry middleware: every request gets an id, an access line and its count.
    app.asgi_handler = ObservedRequests(app.asgi_handler, request_answered)
    return app


def use_database(app: Litestar, settings: Settings) -> None:
    """Test hook: point an app built by :func:`create_app` at another database.

    Building the app costs most of a second (routes, signatures, templates), so the test suite
    builds one per database backend and, before each test's client starts it, points it at the
    test's own fresh database and uploads directory with this. Nothing else may differ from
    the settings the app was built with (the CSRF secret and cookie flags are fixed at build).
    Call it only while the app is not serving; its shutdown disposes the engine.
    """
    built: Settings = app.state.settings
    if dataclasses.replace(settings, database=built.database, uploads=built.uploads) != built:
        raise ValueError("only the database and the uploads directory may differ")
    engine = create_engine(settings.database)
    for config in app.plugins.get(SQLAlchemyPlugin).config:
        # The plugin's lifespan puts this engine and a new session maker in the app's state.
        config.engine_instance = engine
        config.session_maker = None
    app.state.update(
        {"settings": settings, "engine": engine, "session_factory": create_session_factory(engine)}
    )


logging.getLogger("isok").setLevel(logging.INFO)
