"""Organisation rules that need no database: details, similar names, counts against targets."""

from __future__ import annotations

import pytest

from employers.services import (
    OrganisationDetails,
    PartnerCounts,
    check_details,
    comparable_name,
    similar_names,
)

VALID = OrganisationDetails(
    name="Testi Oy",
    business_id="1234567-1",
    kind="sme",
    sector="Logistics",
    municipality="Kuopio",
    region="North Savo",
    size="10-49",
)


def test_valid_details_pass_and_are_trimmed() -> None:
    clean, errors = check_details(
        OrganisationDetails(**{**VALID.__dict__, "name": "  Testi Oy ", "business_id": " 734511-6"})
    )
    assert errors == {}
    assert clean.name == "Testi Oy"
    assert clean.business_id == "0734511-6"  # the old six-digit form is padded


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_id", "1234567-2"),  # wrong check digit
        ("business_id", "12345"),
        ("business_id", ""),
        ("name", ""),
        ("name", "x" * 201),
        ("kind", "multinational"),
        ("size", "huge"),
        ("region", "Atlantis"),
        ("sector", ""),
        ("municipality", ""),
    ],
)
def test_each_wrong_detail_gets_a_message_beside_its_field(field: str, value: str) -> None:
    _clean, errors = check_details(OrganisationDetails(**{**VALID.__dict__, field: value}))
    assert set(errors) == {field}


def test_legal_forms_and_punctuation_do_not_count_in_names() -> None:
    assert comparable_name("Kuljetus Kallavesi Oy") == comparable_name("KULJETUS-KALLAVESI ky")
    assert comparable_name("Puhtaus Oy Pohjois-Karjala") == "puhtaus pohjois karjala"
    assert comparable_name("Oy Ab") == "oy ab"  # a name of legal forms only stays comparable


def test_similar_names_are_found_and_different_ones_are_not() -> None:
    others = {
        1: "Savon Varastopalvelut Oy",
        2: "Kuljetus Kallavesi Oy",
        3: "Kuljetus Kuopio Oy",
        4: "Puhtaus Oy Pohjois-Karjala",
    }
    assert [key for key, _ in similar_names("Savon Varastopalvelu Oy", others)] == [1]
    assert [key for key, _ in similar_names("Kuljetus Kallavesi Ky", others)] == [2]
    assert [key for key, _ in similar_names("Pohjois-Karjalan Puhtaus Oy", others)] == [4]
    assert similar_names("Lounaskeittiö Aamu Oy", others) == []
    assert similar_names("", others) == []


def test_other_organisations_are_every_partner_that_is_not_a_major_company() -> None:
    counts = PartnerCounts(
        by_kind={"major_company": 10, "sme": 2, "public_sector": 1, "education": 1},
        target_major_companies=10,
        target_other_organisations=4,
    )
    assert counts.major_companies == 10
    assert counts.other_organisations == 4
    assert counts.major_companies_met
    assert counts.other_organisations_met
    fewer = PartnerCounts(
        by_kind={"sme": 3}, target_major_companies=10, target_other_organisations=4
    )
    assert fewer.major_companies == 0
    assert not fewer.major_companies_met
    assert not fewer.other_organisations_met
