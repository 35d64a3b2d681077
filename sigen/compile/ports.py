"""Ports sigen itself opens on every host, whatever the blueprint says."""

from __future__ import annotations

__all__ = ["NODE_EXPORTER_PORT"]

# Monitoring scrapes this port on every host (the monitoring role's node exporter default).
NODE_EXPORTER_PORT = 9100
