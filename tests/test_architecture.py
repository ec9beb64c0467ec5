"""The floor plan (BRIEF section 4, docs/architecture.md), checked on the source.

The packages stand in layers; a package uses only its own layer's code and the layers below:

    kit ← competences ← employers ← accounts ← candidates ← placements
        ← assessments ← certificates ← reporting ← demo ← portal

``matching`` stands alone: it imports nothing of ours and anyone may use it. "Uses" means an
import, and also a read of another package's table by name (a light ``table("...")`` clause,
raw SQL text, or a foreign key), which would hide a dependency from the import graph.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS: tuple[str, ...] = (
    "kit",
    "competences",
    "employers",
    "accounts",
    "candidates",
    "placements",
    "assessments",
    "certificates",
    "reporting",
    "demo",
    "portal",
)
LAYER = {package: index for index, package in enumerate(LAYERS)}
OURS = {*LAYERS, "matching"}
PRESENT = sorted(package for package in OURS if (ROOT / package / "__init__.py").is_file())
# Modules that hold request handlers: only the composition root (portal/app.py) imports them.
HANDLER_MODULE = re.compile(r"(^|_)(controllers|pages|api)$")


def python_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            yield path


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved, at any depth of the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    inside = path.is_relative_to(ROOT)
    package_parts = list(path.relative_to(ROOT).with_suffix("").parts[:-1]) if inside else []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # `from kit import roles` imports the module kit.roles.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def allowed(user: str, used: str) -> bool:
    """May package ``user`` use package ``used``?"""
    if used == user or used == "matching":
        return user != "matching" or used == "matching"
    if user == "matching":
        return False
    return LAYER[used] < LAYER[user]


def test_the_layers_are_the_documented_ones() -> None:
    text = (ROOT / "docs/architecture.md").read_text()
    for package in PRESENT:
        assert f"`{package}/`" in text, f"docs/architecture.md does not describe {package}/"


@pytest.mark.parametrize("package", PRESENT)
def test_packages_import_only_their_own_layer_and_below(package: str) -> None:
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(package)
        for module in imports_of(path)
        if module.split(".")[0] in OURS and not allowed(package, module.split(".")[0])
    )
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_the_composition_root() -> None:
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for package in PRESENT
        if package != "portal"
        for path in python_files(package)
        for module in imports_of(path)
        if module.split(".")[0] == "portal"
    )
    assert not wrong, "\n".join(wrong)


def test_only_the_composition_root_imports_handler_modules() -> None:
    """Pages and API modules are leaves: shared helpers live in the domain's other modules."""
    wrong = []
    for package in PRESENT:
        for path in python_files(package):
            if path.relative_to(ROOT).as_posix() == "portal/app.py":
                continue
            own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for module in imports_of(path):
                is_handler_module = (
                    module.split(".")[0] in OURS
                    and HANDLER_MODULE.search(module.split(".")[-1]) is not None
                    and (ROOT / (module.replace(".", "/") + ".py")).is_file()
                )
                if is_handler_module and module != own:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "\n".join(sorted(wrong))


def test_matching_imports_nothing_of_the_web_or_database() -> None:
    forbidden = {"litestar", "sqlalchemy", "advanced_alchemy", "alembic", "jinja2", "httpx"}
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("matching")
        for module in imports_of(path)
        if module.split(".")[0] in forbidden | (OURS - {"matching"})
    ]
    assert not wrong, "\n".join(wrong)


def _owners() -> dict[str, str]:
    from advanced_alchemy.base import orm_registry

    import portal.models  # noqa: F401 - imports every package's models

    owners: dict[str, str] = {}
    for mapper in orm_registry.mappers:
        table = getattr(mapper.class_, "__tablename__", None)
        if table:
            owners[str(table)] = mapper.class_.__module__.split(".")[0]
    return owners


TABLE_CALL = re.compile(r"""\btable\(\s*["']([a-z_]+)["']""")
FOREIGN_KEY = re.compile(r"""ForeignKey\(\s*["']([a-z_]+)\.""")
SQL_TABLE = re.compile(r"""\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)\b""", re.IGNORECASE)


def table_reads(path: Path) -> Iterator[tuple[str, str]]:
    """(how, table) for every table ``path`` names: table(), a foreign key, or SQL text."""
    source = path.read_text()
    for match in TABLE_CALL.finditer(source):
        yield "table()", match.group(1)
    for match in FOREIGN_KEY.finditer(source):
        yield "ForeignKey", match.group(1)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "text"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            for match in SQL_TABLE.finditer(node.args[0].value):
                yield "text()", match.group(1)


def test_the_table_owners_are_known() -> None:
    owners = _owners()
    assert owners["user_account"] == "accounts"
    assert owners["placement"] == "placements"
    assert owners["candidate"] == "candidates"
    assert owners["audit_event"] == "kit"


@pytest.mark.parametrize("package", [p for p in PRESENT if p != "matching"])
def test_packages_name_no_table_above_them(package: str) -> None:
    """A table named in code belongs to the package itself or to one below it."""
    owners = _owners()
    wrong = []
    for path in python_files(package):
        for how, table in table_reads(path):
            owner = owners.get(table)
            if owner is None:
                continue  # not a table of ours (a word in SQL, an alias)
            if not allowed(package, owner):
                wrong.append(f"{path.relative_to(ROOT)}: {how} reads {table} of {owner}/")
    assert not wrong, "\n".join(sorted(wrong))


@pytest.mark.parametrize("package", [p for p in PRESENT if p not in ("matching", "portal")])
def test_domains_read_other_tables_through_their_models(package: str) -> None:
    """No light table clauses outside migrations: the import graph shows every dependency."""
    wrong = [
        f"{path.relative_to(ROOT)}: table({table!r})"
        for path in python_files(package)
        for how, table in table_reads(path)
        if how == "table()"
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The scanners find an upward import and table read when they are there."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from placements.models import Placement\n"
        "from kit import roles\n"
        "user = table('user_account', column('id'))\n"
        "key = ForeignKey('placement.id')\n"
        "q = text('SELECT 1 FROM candidate JOIN interview ON 1=1')\n"
    )
    assert "placements.models" in imports_of(sample)
    assert "kit.roles" in imports_of(sample)
    reads = set(table_reads(sample))
    assert reads >= {
        ("table()", "user_account"),
        ("ForeignKey", "placement"),
        ("text()", "candidate"),
        ("text()", "interview"),
    }
    assert not allowed("candidates", "placements")
    assert allowed("placements", "candidates")
    assert allowed("candidates", "matching")
    assert not allowed("matching", "kit")
    assert not allowed("kit", "accounts")


# The ESF+ participant data is kept apart (reporting/participants.py): only these modules
# name its model or table (portal/models.py lists every table for the migrations); the
# migrations, the demo data and the tests may too.
PARTICIPANT_DATA = re.compile(r"\b(ParticipantData|reporting_participant)\b")
NAMES_PARTICIPANT_DATA = {
    "reporting/participants.py",
    "reporting/models.py",
    "reporting/inventory.py",
    "portal/models.py",
    # The readable copy of a person's own data names each part (portal/personal_data.py reads
    # the tables from the inventory, naming none); the candidate sees their own participant
    # data there, the coordinator a candidate's on request.
    "portal/data_pages.py",
}


def test_the_participant_data_cannot_reach_matching_or_other_roles() -> None:
    """No other module names the table, so none reads it; and what builds the matching
    input, the match pages and the other domains' API import nothing of reporting."""
    sources = [path for package in PRESENT if package != "demo" for path in python_files(package)]
    named = {
        path.relative_to(ROOT).as_posix()
        for path in [*sources, *(ROOT / "templates").rglob("*.html")]
        if PARTICIPANT_DATA.search(path.read_text())
    }
    assert "reporting/participants.py" in named  # the scan finds what it looks for
    assert named <= NAMES_PARTICIPANT_DATA, sorted(named - NAMES_PARTICIPANT_DATA)
    matching_side = [
        path
        for package in PRESENT
        if package != "reporting"
        for path in python_files(package)
        if package in ("matching", "placements")
        or path.name == "matching_input.py"
        or path.stem == "api"
        or path.stem.endswith("_api")
    ]
    assert any(path.name == "matching_input.py" for path in matching_side)
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in matching_side
        for module in imports_of(path)
        if module.split(".")[0] == "reporting"
    )
    readers = sorted(
        path.relative_to(ROOT).as_posix()
        for package in PRESENT
        if package not in ("reporting", "demo")
        for path in python_files(package)
        if any(module.startswith("reporting.participant") for module in imports_of(path))
    )
    assert not wrong, "\n".join(wrong)
    assert readers == ["portal/app.py"], readers
