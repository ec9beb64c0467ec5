"""The audit trail records who changed what, with old and new values."""

from __future__ import annotations

from sqlalchemy import select

from employers.models import Organisation
from kit.audit import Actor, AuditEvent, current_actor
from kit.settings import DatabaseSettings
from portal.database import create_engine, create_session_factory


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


async def test_rows_removed_from_a_relationship_are_recorded_as_deleted(database_url: str) -> None:
    from placements.models import Position, PositionLanguage

    engine = create_engine(DatabaseSettings(url=database_url))
    factory = create_session_factory(engine)
    try:
        async with factory() as session, session.begin():
            position = Position(organisation_id=1, title="Audit test", places=1)
            position.languages = [PositionLanguage(language="fi", level="A2")]
            session.add(position)
        async with factory() as session, session.begin():
            from sqlalchemy.orm import selectinload

            loaded = (
                await session.execute(
                    select(Position)
                    .where(Position.id == position.id)
                    .options(selectinload(Position.languages))
                )
            ).scalar_one()
            language_id = loaded.languages[0].id
            loaded.languages.clear()  # delete-orphan, no explicit session.delete
        async with factory() as session:
            deleted = (
                (
                    await session.execute(
                        select(AuditEvent)
                        .where(AuditEvent.entity == "position_language")
                        .where(AuditEvent.entity_id == str(language_id))
                        .where(AuditEvent.action == "delete")
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert len(deleted) == 1
    assert deleted[0].changes["level"] == "A2"
