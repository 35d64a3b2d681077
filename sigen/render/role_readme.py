"""The README of each role (``roles/<role>/README.md``), as ansible-doctor makes them for
Galaxy roles, from the same facts as the component documents (``sigen.plan.RoleInfo``)."""

from __future__ import annotations

from collections.abc import Iterable

from sigen.plan import RoleInfo
from sigen.render.documents import one_blank_line, template

__all__ = ["README", "readmes"]

README = "README.md"


def readmes(roles: Iterable[RoleInfo]) -> dict[str, bytes]:
    """The README of each role by its path in the role library (``<role>/README.md``)."""
    page = template("role-readme.md.j2")
    return {f"{r.name}/{README}": one_blank_line(page.render(r=r)).encode() for r in roles}
