"""sigen: compile one system blueprint into an Ansible project and its plans.

The front end's public API: ``load_blueprint`` -> ``validate_blueprint``; every problem is
a ``Diagnostic``, and library code raises ``SigenError`` (carrying them) instead of
printing. The whole pipeline is ``sigen.build.build(blueprint, out, roles_dir)``; it is not
re-exported here because the name would clash with the ``sigen.build`` module, and because
importing the back end (model, renderers, Jinja) is not needed to validate.
"""

from sigen.diagnostics import CODES, Diagnostic, SigenError, format_json, format_text
from sigen.loader import LoadedBlueprint, load_blueprint
from sigen.schema_export import json_schema
from sigen.validate import validate_blueprint

__version__ = "0.1.0"

__all__ = [
    "CODES",
    "Diagnostic",
    "LoadedBlueprint",
    "SigenError",
    "__version__",
    "format_json",
    "format_text",
    "json_schema",
    "load_blueprint",
    "validate_blueprint",
]
