"""Role options the compiler always derives for a service, per component.

Validation reads this to demand from the blueprint every *required* role option that the
wiring does not supply (``app_service_exec_start``, ``redis_password``, ...): a missing
one would otherwise only fail at deploy time, in the role's argument check.
tests/test_build_units.py proves each set is what the wiring really returns.
"""

from __future__ import annotations

__all__ = ["DERIVED_OPTIONS"]

DERIVED_OPTIONS: dict[str, frozenset[str]] = {
    "app_service": frozenset({
        "app_service_name", "app_service_port", "app_service_data_paths",
        "app_service_environment",
    }),
    # Host-level roles: sigen applies them itself, from security and backups.
    "firewall": frozenset({"firewall_management_networks"}),
    "backup_client": frozenset({"backup_client_server", "backup_client_repository_password"}),
}
