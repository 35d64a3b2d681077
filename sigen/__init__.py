"""sigen: compile one system blueprint into an Ansible project and its plans."""

from sigen.diagnostics import Diagnostic, SigenError, format_json, format_text
from sigen.loader import LoadedBlueprint, load_blueprint
from sigen.validate import validate_blueprint

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "LoadedBlueprint",
    "SigenError",
    "__version__",
    "format_json",
    "format_text",
    "load_blueprint",
    "validate_blueprint",
]
