"""Dependency direction (BRIEF section 4), checked on the source, not trusted to review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {
    "portal",
    "employers",
    "placements",
    "candidates",
    "certificates",
    "competences",
    "matching",
}
# portal's shared web kit: leaf modules a domain may use. They import no domain package.
WEB_KIT = {"kit.i18n", "kit.forms", "kit.flash", "kit.regions", "kit.idempotency"}
ALLOWED = {
    "competences": {"competences", "matching"},
    "employers": {"employers", "competences", "matching"},
    "candidates": {"candidates", "competences", "matching"},
    "placements": {"placements", "employers", "candidates", "competences", "matching"},
    "certificates": {
        "certificates",
        "placements",
        "employers",
        "candidates",
        "competences",
        "matching",
    },
    "matching": {"matching"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_domain_packages_import_only_downstream(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imports_of(path):
            top = module.split(".")[0]
            if top not in OURS or top in ALLOWED[package]:
                continue
            if module in WEB_KIT and package != "matching":
                continue
            wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_matching_imports_nothing_of_the_web_or_database() -> None:
    forbidden = {"litestar", "sqlalchemy", "advanced_alchemy", "alembic", "jinja2", "httpx"}
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "matching").rglob("*.py"))
        for module in imports_of(path)
        if module.split(".")[0] in forbidden
    ]
    assert not wrong, "\n".join(wrong)


def test_web_kit_modules_import_no_domain() -> None:
    for module in WEB_KIT:
        path = ROOT / (module.replace(".", "/") + ".py")
        tops = {name.split(".")[0] for name in imports_of(path)}
        assert not (tops & (OURS - {"portal"})), f"{module} imports a domain package"
        assert all(name in WEB_KIT or not name.startswith("portal") for name in imports_of(path)), (
            f"{module} imports a portal module outside the web kit"
        )
