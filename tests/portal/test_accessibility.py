"""Every form field has a label; every page has one h1 and a language."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import DEMO_USERS, sign_in


class PageStructure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str | None] = []
        self.labels: set[str] = set()
        self.h1 = 0
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        elif tag in ("input", "select", "textarea") and attributes.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.fields.append(attributes.get("id"))


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/"),
        (None, "/login"),
        (None, "/accessibility"),
        ("coordinator", "/home"),
        ("counsellor", "/frameworks"),
        ("counsellor", "/frameworks?q=pallet"),
        ("teacher", "/frameworks/CLE"),
        ("employer", "/home"),
        ("tutor", "/home"),
        ("steering", "/home"),
        ("tutor", "/placements/1/assessment"),
        ("teacher", "/placements/1/assessment"),
        ("coordinator", "/placements/1/assessment"),
        ("coordinator", "/candidates/1/participant-data"),
        ("coordinator", "/participant-data"),
        ("counsellor", "/home"),
        ("counsellor", "/candidates/49"),
        ("counsellor", "/candidates/49/outcomes/new"),
        ("coordinator", "/activities"),
        ("coordinator", "/activities/trainings/new"),
        ("coordinator", "/activities/events/new"),
        ("steering", "/activities"),
        ("coordinator", "/dashboard"),
        ("coordinator", "/dashboard?from=2024-01-01&region=North+Savo&field=LOG"),
        ("steering", "/dashboard"),
        ("coordinator", "/reports"),
        ("coordinator", "/reports/2026-01-01"),
        ("coordinator", "/reports/2026-01-01/freeze"),
        ("coordinator", "/reports/2026-07-01/freeze"),
        ("steering", "/reports"),
    ],
)
async def test_fields_are_labelled_and_pages_are_structured(
    client: AsyncTestClient, role: str | None, path: str
) -> None:
    if role:
        await sign_in(client, DEMO_USERS[role])
    response = await client.get(path)
    assert response.status_code == 200
    page = PageStructure()
    page.feed(response.text)
    assert page.lang == "en"
    assert page.h1 == 1, f"{path} has {page.h1} h1 headings"
    unlabelled = [field for field in page.fields if field is None or field not in page.labels]
    assert not unlabelled, f"{path}: fields without a label: {unlabelled}"
