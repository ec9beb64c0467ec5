"""The app's database config can be built any number of times in one process."""

from __future__ import annotations

from kit.settings import DatabaseSettings
from portal.database import create_engine, create_sqlalchemy_config


def test_every_config_uses_the_same_plain_keys() -> None:
    # Advanced Alchemy would give the n-th config "_sqlalchemy_db_session_n" by a recursive
    # search that fails past about 940 configs (the suite builds more apps than that).
    engine = create_engine(DatabaseSettings(url="sqlite+aiosqlite://"))
    first, second = create_sqlalchemy_config(engine), create_sqlalchemy_config(engine)
    assert first.session_scope_key == second.session_scope_key == "_sqlalchemy_db_session"
    assert first.engine_app_state_key == second.engine_app_state_key
    assert first.session_maker_app_state_key == second.session_maker_app_state_key
