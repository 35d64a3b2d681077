"""sigen: compile one system blueprint into an Ansible project and its plans."""

__version__ = "0.1.0"

__all__ = ["__version__"]
