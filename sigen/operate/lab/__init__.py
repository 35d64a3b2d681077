"""Lab hosts: podman containers made to match the plan's lab (``sigen.plan.lab``)."""
