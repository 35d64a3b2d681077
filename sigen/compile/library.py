"""Where the role library and the lab's scripts are, in a checkout and in an installed sigen.

They live at the top of the repository (``roles/``, ``molecule/`` with ``molecule/lab/``),
where molecule and ansible-lint look for them. A wheel carries them, side by side as there,
as package data under ``sigen/data/`` (copied there by the build hook in ``setup.py``, so
git holds them once). A checkout (also an editable install) reads the repository's own, so
an edited role is used at once; an installed sigen reads the copies in its package.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["lab_assets_dir", "roles_dir"]

_PACKAGE = Path(__file__).resolve().parent.parent
_REPOSITORY = _PACKAGE.parent
# The copies the wheel carries (setup.py: BUNDLED).
BUNDLED_ROLES = _PACKAGE / "data" / "roles"
BUNDLED_LAB = _PACKAGE / "data" / "molecule" / "lab"


def _checkout() -> bool:
    """sigen runs from its repository (a checkout or an editable install)."""
    return (_REPOSITORY / "pyproject.toml").is_file() and (_REPOSITORY / "roles").is_dir()


def roles_dir() -> Path:
    """The role library: the repository's ``roles/``, else the installed copy, else
    ``roles/`` in the working directory (validation then says which role is missing)."""
    if _checkout():
        return _REPOSITORY / "roles"
    return BUNDLED_ROLES if BUNDLED_ROLES.is_dir() else Path("roles")


def lab_assets_dir() -> Path:
    """The lab's scripts (``build-images``, ``install-collections``, ``prepare.yml``)."""
    if _checkout() and (_REPOSITORY / "molecule" / "lab").is_dir():
        return _REPOSITORY / "molecule" / "lab"
    return BUNDLED_LAB
