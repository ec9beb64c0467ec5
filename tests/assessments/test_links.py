"""The tutor's link: one placement's form and nothing else, throttled, private, never logged."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments import links, plan
from assessments.models import AssessorRole, Rating, RatingSheet, TutorLink
from competences.models import Competence
from kit.audit import AuditEvent
from kit.settings import Settings, SettingsError, settings_from_env
from portal.app import create_app
from portal.logs import RedactLinkTokens, redact
from tests.assessments.conftest import COUNSELLOR, PLACEMENT_ID, TEACHER, placement
from tests.conftest import DEMO_USERS, csrf_token, sign_in

Sessions = async_sessionmaker[AsyncSession]


async def issue(sessions: Sessions, *, days: int = 21) -> tuple[int, str]:
    async with sessions() as session, session.begin():
        link, token = await links.issue(
            session, COUNSELLOR, placement=await placement(session), days=days
        )
        return link.id, token


async def plan_ids(sessions: Sessions) -> list[int]:
    async with sessions() as session, session.begin():
        await plan.ensure_plan(session, placement=await placement(session))
        return await plan.plan_competence_ids(session, placement_id=PLACEMENT_ID)


async def tutor_sheets(sessions: Sessions) -> list[RatingSheet]:
    async with sessions() as session:
        rows = await session.execute(
            select(RatingSheet).where(
                RatingSheet.placement_id == PLACEMENT_ID,
                RatingSheet.assessor_role == AssessorRole.TUTOR.value,
            )
        )
        return list(rows.scalars())


async def post_form(
    client: AsyncTestClient, token: str, fields: dict[str, str]
) -> tuple[int, str, str]:
    csrf = await csrf_token(client)
    response = await client.post(
        f"/assess/{token}", data={**fields, "_csrf_token": csrf}, follow_redirects=False
    )
    return response.status_code, response.headers.get("location", ""), response.text


async def test_a_link_opens_its_placements_form_with_private_headers(
    client: AsyncTestClient, sessions: Sessions, fresh: int
) -> None:
    _link_id, token = await issue(sessions)
    ids = await plan_ids(sessions)
    response = await client.get(f"/assess/{token}")
    assert response.status_code == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in response.headers["x-robots-tag"]
    assert response.headers["cache-control"] == "no-store"
    assert '<meta name="robots" content="noindex' in response.text
    for competence_id in ids:
        assert f'name="grade-{competence_id}"' in response.text
    assert "Pekka Työpaikkaohjaaja" in response.text  # the placement's tutor
    # A refusal carries the same headers.
    refused = await client.get("/assess/no-such-token")
    assert refused.status_code == 404
    assert refused.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in refused.headers["x-robots-tag"]


async def test_a_draft_is_kept_on_the_server_and_submission_gives_a_receipt(
    client: AsyncTestClient, sessions: Sessions, settings: Settings, fresh: int
) -> None:
    _link_id, token = await issue(sessions)
    ids = await plan_ids(sessions)
    first = ids[0]
    status, location, _ = await post_form(
        client,
        token,
        {"action": "save", f"grade-{first}": "4", f"note-{first}": "Careful with the forklift."},
    )
    assert (status, location) == (303, f"/assess/{token}")
    # Another browser (the first one closed): the draft is there.
    async with AsyncTestClient(app=client.app, base_url="http://testserver.local") as other:
        page = (await other.get(f"/assess/{token}")).text
    assert re.search(rf'name="grade-{first}" value="4" checked', page)
    assert "Careful with the forklift." in page

    # Submitting with outcomes unrated is refused with a message, and writes nothing.
    status, _, page = await post_form(client, token, {"action": "submit", f"grade-{first}": "4"})
    assert status == 400
    assert "Rate every outcome" in page
    assert all(sheet.submitted_at is None for sheet in await tutor_sheets(sessions))

    fields = {f"grade-{c}": "3" for c in ids} | {f"grade-{ids[-1]}": "nd", "action": "submit"}
    status, location, _ = await post_form(client, token, fields)
    assert status == 303
    sheets = await tutor_sheets(sessions)
    assert len(sheets) == 1
    assert sheets[0].submitted_at is not None
    receipt = (await client.get(f"/assess/{token}")).text
    assert "Rating sent" in receipt
    assert sheets[0].reference is not None
    assert sheets[0].reference in receipt
    assert "Not demonstrated" in receipt
    assert 'type="radio"' not in receipt  # read-only now

    # A second submission changes nothing.
    status, _, page = await post_form(client, token, fields | {f"grade-{first}": "1"})
    assert status == 409
    assert "already been submitted" in page
    async with sessions() as session:
        grades = (
            await session.execute(select(Rating.grade).where(Rating.sheet_id == sheets[0].id))
        ).scalars()
        assert 1 not in list(grades)
        # The link's writes are on the audit trail under the link, not "system".
        actors = (
            await session.execute(
                select(AuditEvent.actor_label).where(AuditEvent.entity == "rating_sheet")
            )
        ).scalars()
        assert any(label.startswith("tutor link ") for label in actors)


async def test_the_form_opens_only_its_own_placements_outcomes(
    client: AsyncTestClient, sessions: Sessions, fresh: int
) -> None:
    _link_id, token = await issue(sessions)
    ids = await plan_ids(sessions)
    async with sessions() as session:
        outside = await session.scalar(
            select(func.max(Competence.id)).where(Competence.id.not_in(ids))
        )
    assert outside is not None
    # Another outcome (another placement's) is refused with a message; nothing is written.
    status, _, page = await post_form(
        client, token, {"action": "save", f"grade-{ids[0]}": "4", f"grade-{outside}": "5"}
    )
    assert status == 400
    assert "not in the assessment plan" in page
    assert await tutor_sheets(sessions) == []
    # Another placement's id among the fields is ignored: the draft is this placement's.
    status, _, _ = await post_form(
        client,
        token,
        {"action": "save", "placement_id": "2", "placement": "2", f"grade-{ids[0]}": "4"},
    )
    assert status == 303
    sheets = await tutor_sheets(sessions)
    assert [sheet.placement_id for sheet in sheets] == [PLACEMENT_ID]
    # A grade outside 1-5 is refused beside the field.
    status, _, page = await post_form(client, token, {"action": "save", f"grade-{ids[0]}": "7"})
    assert status == 400
    assert "from 1 to 5" in page


async def test_altered_expired_revoked_and_superseded_links_show_nothing(
    client: AsyncTestClient, sessions: Sessions, fresh: int
) -> None:
    link_id, token = await issue(sessions)
    assert (await client.get(f"/assess/{token}")).status_code == 200
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = await client.get(f"/assess/{altered}")
    assert response.status_code == 404
    assert "Pekka" not in response.text
    assert "grade-" not in response.text

    async with sessions() as session, session.begin():
        await session.execute(
            update(TutorLink)
            .where(TutorLink.id == link_id)
            .values(expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1))
        )
    expired = await client.get(f"/assess/{token}")
    assert expired.status_code == 410
    assert "grade-" not in expired.text
    assert (await post_form(client, token, {"action": "save"}))[0] == 410

    revoked_id, revoked_token = await issue(sessions)
    async with sessions() as session, session.begin():
        await links.revoke(session, TEACHER, placement=await placement(session), link_id=revoked_id)
    assert (await client.get(f"/assess/{revoked_token}")).status_code == 410

    _old_id, old = await issue(sessions)
    _new_id, new = await issue(sessions)
    assert (await client.get(f"/assess/{old}")).status_code == 410
    assert (await client.get(f"/assess/{new}")).status_code == 200
    async with sessions() as session:
        stored = set((await session.execute(select(TutorLink.token_hash))).scalars())
        live = await session.scalar(
            select(func.count())
            .select_from(TutorLink)
            .where(TutorLink.placement_id == PLACEMENT_ID, TutorLink.revoked_at.is_(None))
        )
    assert new not in stored  # only hashes are kept
    assert old not in stored
    assert live == 1


async def test_bad_tokens_are_throttled_per_client(sessions: Sessions, settings: Settings) -> None:
    _link_id, token = await issue(sessions)
    patient = dataclasses.replace(
        settings,
        security=dataclasses.replace(settings.security, throttle_first_delay_seconds=60),
    )
    allowance = settings.security.free_tries_per_pair
    async with AsyncTestClient(app=create_app(patient), base_url="http://testserver.local") as c:
        # A working link does not use up the allowance.
        for _ in range(allowance + 2):
            assert (await c.get(f"/assess/{token}")).status_code == 200
        for attempt in range(allowance):
            assert (await c.get(f"/assess/bad-{attempt}")).status_code == 404
        refused = await c.get("/assess/bad-again")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert refused.headers["referrer-policy"] == "no-referrer"
        assert "Too many tries" in refused.text
        # While the client waits, even a working token opens nothing: no oracle for guesses.
        assert (await c.get(f"/assess/{token}")).status_code == 429


def test_link_tokens_are_redacted_from_log_records() -> None:
    token = "s3cr3t-Token_value"
    assert token not in redact(f"GET /assess/{token}?x=1 failed")
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/assess/{token}", "1.1", 500),
        None,
    )
    RedactLinkTokens().filter(access)
    assert token not in access.getMessage()
    assert "/assess/[redacted]" in access.getMessage()


async def test_the_token_is_not_in_the_log_of_a_server_error(
    client: AsyncTestClient,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _link_id, token = await issue(sessions)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(links, "resolve", broken)
    with caplog.at_level(logging.ERROR, logger="isok"):
        response = await client.get(f"/assess/{token}")
    assert response.status_code == 500
    assert "unhandled error" in caplog.text
    assert "/assess/[redacted]" in caplog.text
    assert token not in caplog.text


def test_the_link_lifetime_is_a_setting() -> None:
    secret = {"ISOK_SECRET_KEY": "k" * 40}
    assert settings_from_env(secret).assessments.tutor_link_days == 21
    assert (
        settings_from_env(secret | {"ISOK_TUTOR_LINK_DAYS": "7"}).assessments.tutor_link_days == 7
    )
    for wrong in ("0", "-3", "seven", "٧", "400", "²", "1" * 5000, "0" * 4999 + "7"):
        with pytest.raises(SettingsError, match="ISOK_TUTOR_LINK_DAYS"):
            settings_from_env(secret | {"ISOK_TUTOR_LINK_DAYS": wrong})


async def test_staff_issue_the_link_on_a_page_that_shows_it_once(
    client: AsyncTestClient, settings: Settings, fresh: int
) -> None:
    page = f"/placements/{PLACEMENT_ID}/assessment/tutor-link"
    for role in ("employer", "tutor"):
        await sign_in(client, DEMO_USERS[role])
        token = await csrf_token(client)
        denied = await client.post(page, data={"_csrf_token": token}, follow_redirects=False)
        assert denied.status_code == 403
    await sign_in(client, DEMO_USERS["teacher"])
    token = await csrf_token(client)
    shown = await client.post(page, data={"_csrf_token": token})
    assert shown.status_code == 200
    found = re.search(r'value="(http[^"]+/assess/[^"]+)"', shown.text)
    assert found is not None
    path = found.group(1).removeprefix(settings.public_url)
    async with AsyncTestClient(app=client.app, base_url="http://testserver.local") as tutor:
        assert (await tutor.get(path)).status_code == 200
        revoked = await client.post(
            f"{page}/revoke", data={"_csrf_token": token}, follow_redirects=False
        )
        assert revoked.status_code == 303
        assert revoked.headers["location"] == f"/placements/{PLACEMENT_ID}/assessment"
        assert (await tutor.get(path)).status_code == 410


async def test_the_assessment_page_issues_and_revokes_the_tutors_link(
    client: AsyncTestClient, fresh: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get(f"/placements/{fresh}/assessment")).text
    assert "Issue a link for the tutor" in page
    token = await csrf_token(client)
    issued = await client.post(
        f"/placements/{fresh}/assessment/tutor-link", data={"_csrf_token": token}
    )
    assert issued.status_code == 200
    url = re.search(r'value="([^"]*/assess/[^"]+)"', issued.text)
    assert url is not None
    page = (await client.get(f"/placements/{fresh}/assessment")).text
    assert "A link is live until" in page
    revoked = await client.post(
        f"/placements/{fresh}/assessment/tutor-link/revoke", data={"_csrf_token": token}
    )
    assert revoked.status_code in (200, 303)
    link_path = "/assess/" + url.group(1).split("/assess/")[1]
    assert (await client.get(link_path)).status_code == 410


async def test_the_tutor_sees_no_link_controls(client: AsyncTestClient, fresh: int) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    page = (await client.get(f"/placements/{fresh}/assessment")).text
    assert "tutor-link-heading" not in page
