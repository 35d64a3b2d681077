"""Values of the plan that are not plain text."""

from __future__ import annotations

__all__ = ["Jinja"]


class Jinja(str):
    """A template written by sigen itself (for example ``{{ vault_db_password }}``), that
    Ansible evaluates at run time. User text is never one: the YAML emitter tags any user
    string that looks like a template ``!unsafe``, and writes these as they are."""

    __slots__ = ()

    def __repr__(self) -> str:
        # Distinct from a plain string's: sigen.render.memo keys emitted text by repr, and a
        # Jinja string is written differently from the same text given by a user.
        return f"Jinja({str.__repr__(self)})"
