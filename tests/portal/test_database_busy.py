"""SQLite's one writer: a write that waits past the busy timeout answers 503, saves nothing."""

from __future__ import annotations

import sqlite3

import pytest
from litestar.testing import AsyncTestClient

from kit.settings import Settings
from tests.conftest import csrf_token


@pytest.mark.slow
async def test_a_write_that_cannot_get_the_lock_answers_503_and_saves_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    if not settings.database.is_sqlite:
        pytest.skip("the single writer lock is SQLite's")
    path = settings.database.url.split(":///", 1)[1]
    token = await csrf_token(client)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        response = await client.post(
            "/login",
            data={"email": "nobody@demo.test", "password": "wrong", "_csrf_token": token},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "Nothing was saved" in response.text
    # Once the lock is free the same form is answered as usual (a wrong password: 400).
    again = await client.post(
        "/login", data={"email": "nobody@demo.test", "password": "wrong", "_csrf_token": token}
    )
    assert again.status_code == 400
    assert "The e-mail address or the password is wrong." in again.text
