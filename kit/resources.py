"""Where the portal's templates and static files are.

In a checkout they are the ``templates/`` and ``static/`` folders beside the packages. A
built wheel (``pip install .``) carries them inside the ``portal`` package
(``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml), since an installed
package's parent folder is site-packages, shared with everything else.
"""

from __future__ import annotations

from pathlib import Path

_CODE_ROOT = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``templates`` or ``static``) of this installation."""
    packaged = _CODE_ROOT / "portal" / name
    return packaged if packaged.is_dir() else _CODE_ROOT / name


TEMPLATE_DIR = resource_dir("templates")
STATIC_DIR = resource_dir("static")
