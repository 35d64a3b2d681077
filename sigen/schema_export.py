"""Export the blueprint schema as JSON Schema, for editors (``sigen schema``)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["json_schema", "json_schema_text"]


def json_schema() -> dict[str, Any]:
    """The blueprint format as a JSON Schema (draft 2020-12) document."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sigen blueprint, format 1",
        "type": "object",
    }


def json_schema_text() -> str:
    """``json_schema()`` as indented JSON text, newline-terminated."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
