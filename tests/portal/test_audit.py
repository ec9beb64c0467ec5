"""The audit trail records who changed what, with old and new values."""

from __future__ import annotations

from sqlalchemy import select

from employers.models import Organisation
from portal.audit import Actor, AuditEvent, current_actor
from portal.database import create_engine, create_session_factory
from portal.settings import DatabaseSettings


async def test_changes_to_audited_rows_are_recorded_with_the_actor(database_url: str) -> None:
    engine = create_engine(DatabaseSettings(url=database_url))
    factory = create_session_factory(engine)
    token = current_actor.set(Actor(user_id=None, label="auditor-test"))
    try:
        async with factory() as session, session.begin():
            organisation = Organisation(name="Audit Oy", business_id="0112038-9", kind="sme")
            session.add(organisation)
        async with factory() as session, session.begin():
            row = await session.get(Organisation, organisation.id)
            assert row is not None
            row.status = "partner"
        async with factory() as session:
            events = (
                (
                    await session.execute(
                        select(AuditEvent)
                        .where(AuditEvent.entity == "organisation")
                        .where(AuditEvent.entity_id == str(organisation.id))
                        .order_by(AuditEvent.id)
                    )
                )
                .scalars()
                .all()
            )
    finally:
        current_actor.reset(token)
        await engine.dispose()
    assert [event.action for event in events] == ["create", "update"]
    assert events[0].changes["name"] == "Audit Oy"
    assert events[1].changes == {"status": ["applied", "partner"]}
    assert {event.actor_label for event in events} == {"auditor-test"}


async def test_password_hashes_never_reach_the_audit_trail(database_url: str) -> None:
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with create_session_factory(engine)() as session:
            events = (
                (
                    await session.execute(
                        select(AuditEvent).where(AuditEvent.entity == "user_account")
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert events, "the demo users' creation should be on the trail"
    assert all("password_hash" not in event.changes for event in events)
