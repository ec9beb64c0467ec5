"""Unit tests of small pure pieces: settings, language choice, business IDs, passwords."""

from __future__ import annotations

import datetime
from dataclasses import fields
from pathlib import Path

import pytest

from accounts.passwords import hash_password, verify_password
from employers.business_id import check_digit, is_valid, normalise, with_check_digit
from kit.i18n import negotiate_locale
from kit.settings import (
    ProgrammeSettings,
    SettingsError,
    resolve_database_url,
    settings_from_env,
)


def test_production_requires_a_secret_key() -> None:
    with pytest.raises(SettingsError, match="ISOK_SECRET_KEY is required"):
        settings_from_env({"ISOK_ENV": "production"})


def test_short_secret_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        settings_from_env({"ISOK_SECRET_KEY": "short"})


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(SettingsError, match="ISOK_ENV"):
        settings_from_env({"ISOK_ENV": "staging", "ISOK_SECRET_KEY": "x" * 40})


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://isok:s3cret-pass@db.example.fi/isok", "postgresql+asyncpg://"),
        ("postgres://isok:s3cret-pass@db/isok", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://isok:s3cret-pass@db/isok", "postgresql+asyncpg://"),
        ("sqlite:///var/s3cret-pass.sqlite3", "sqlite+aiosqlite://"),
    ],
)
def test_a_database_url_without_the_async_driver_is_named_in_one_line(
    url: str, driver: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        settings_from_env({"ISOK_SECRET_KEY": "x" * 40, "ISOK_DATABASE_URL": url})
    message = str(refused.value)
    assert driver in message
    assert "\n" not in message
    assert "s3cret-pass" not in message  # the address may hold a password: never repeated


@pytest.mark.parametrize("url", ["mysql://a@b/c", "isok.sqlite3", "://"])
def test_a_database_url_of_another_database_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="sqlite\\+aiosqlite:///path"):
        settings_from_env({"ISOK_SECRET_KEY": "x" * 40, "ISOK_DATABASE_URL": url})


def test_the_async_drivers_are_taken_as_given() -> None:
    for url in ("postgresql+asyncpg://isok@db/isok", "sqlite+aiosqlite:////tmp/isok.sqlite3"):
        env = {"ISOK_SECRET_KEY": "x" * 40, "ISOK_DATABASE_URL": url}
        assert settings_from_env(env).database.url == url


def test_production_settings_use_secure_cookies() -> None:
    settings = settings_from_env(
        {
            "ISOK_ENV": "production",
            "ISOK_SECRET_KEY": "k" * 40,
            "ISOK_DATABASE_URL": "postgresql+asyncpg://isok@db/isok",
        }
    )
    assert settings.is_production
    assert settings.security.cookie_secure
    assert settings.database.url == "postgresql+asyncpg://isok@db/isok"


def test_relative_paths_mean_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = resolve_database_url("sqlite+aiosqlite:///var/test-anchor.sqlite3")
    assert url == f"sqlite+aiosqlite:///{tmp_path}/var/test-anchor.sqlite3"
    assert (tmp_path / "var").is_dir()
    assert resolve_database_url("sqlite+aiosqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"


def test_the_data_folder_holds_every_file_unless_each_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    by_default = settings_from_env({})
    assert by_default.database.url == f"sqlite+aiosqlite:///{tmp_path}/var/isok.sqlite3"
    assert by_default.uploads.directory == tmp_path / "var" / "uploads"
    assert by_default.mail.directory == tmp_path / "var" / "mail"
    assert by_default.certificates.signing_key == tmp_path / "var" / "signing-key"
    assert (tmp_path / "var" / "secret_key").is_file()  # the development secret
    data = tmp_path / "elsewhere"
    chosen = settings_from_env({"ISOK_DATA_DIR": str(data), "ISOK_UPLOAD_DIR": "files"})
    assert chosen.database.url == f"sqlite+aiosqlite:///{data}/isok.sqlite3"
    assert chosen.uploads.directory == tmp_path / "files"
    assert chosen.certificates.signing_key == data / "signing-key"
    assert (data / "secret_key").is_file()


SECRET = {"ISOK_SECRET_KEY": "k" * 40}


def test_programme_targets_default_to_the_original_project() -> None:
    programme = settings_from_env(SECRET).programme
    assert programme.target_candidates_started == 300
    assert (programme.target_major_companies, programme.target_other_organisations) == (10, 4)
    assert programme.target_trainers_trained == 70
    assert programme.target_dissemination_attendees == 620
    assert programme.target_placements == 0  # no target
    assert programme.reporting_start == datetime.date(2026, 1, 1)


def test_every_programme_target_is_read_from_its_variable() -> None:
    names = [item.name for item in fields(ProgrammeSettings) if item.name.startswith("target_")]
    assert len(names) == 11
    environ = {f"ISOK_{name.upper()}": str(100 + index) for index, name in enumerate(names)}
    environ["ISOK_REPORTING_START"] = "2025-07-01"
    programme = settings_from_env({**SECRET, **environ}).programme
    assert [getattr(programme, name) for name in names] == [100 + i for i in range(len(names))]
    assert programme.reporting_start == datetime.date(2025, 7, 1)
    zero = settings_from_env({**SECRET, "ISOK_TARGET_CANDIDATES_STARTED": " 0 "}).programme
    assert zero.target_candidates_started == 0


@pytest.mark.parametrize("value", ["-1", "3.5", "ten", "1e3", "12345678", "\u0663"])
def test_a_bad_target_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(SettingsError, match="ISOK_TARGET_TRAINERS_TRAINED must be a whole number"):
        settings_from_env({**SECRET, "ISOK_TARGET_TRAINERS_TRAINED": value})


@pytest.mark.parametrize("value", ["2026-02-30", "1.1.2026", "20260101", "2026-1-1", "soon"])
def test_a_bad_reporting_start_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(SettingsError, match="ISOK_REPORTING_START must be a date") as raised:
        settings_from_env({**SECRET, "ISOK_REPORTING_START": value})
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fi-FI,fi;q=0.9,en;q=0.8", "fi"),
        ("sv;q=0.9,fi;q=0.5", "fi"),
        ("en;q=0.2,fi;q=0.8", "fi"),
        ("de,fr", "en"),
        ("fi;q=bogus,en", "en"),
    ],
)
def test_language_is_negotiated_from_accept_language(header: str | None, expected: str) -> None:
    assert negotiate_locale(header, supported=("en", "fi")) == expected


def test_only_translated_languages_are_offered() -> None:
    assert negotiate_locale("fi") == "fi"
    assert negotiate_locale("sv-FI,sv") == "en"
    assert negotiate_locale("fi", supported=("en",)) == "en"


@pytest.mark.parametrize("business_id", ["0112038-9", "1572860-0", "112038-9"])
def test_valid_business_ids(business_id: str) -> None:
    assert is_valid(business_id)


@pytest.mark.parametrize("business_id", ["0112038-8", "01120389", "abcdefg-1", "", "12345678-1"])
def test_invalid_business_ids(business_id: str) -> None:
    assert not is_valid(business_id)


def test_check_digit_rules() -> None:
    assert normalise(" 112038-9 ") == "0112038-9"
    assert check_digit("0112038") == 9
    # Digits whose weighted sum leaves remainder 1 have no valid check digit.
    assert with_check_digit("1927364") is None
    assert with_check_digit("0112038") == "0112038-9"


def test_passwords_are_argon2id_and_verify() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password("not a hash", "correct horse")
