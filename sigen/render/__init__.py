"""The back ends: pure functions from the plan to files (``render(plan, ...) -> {path: bytes}``).

``ansible`` (inventories, playbooks, roles; with ``recovery``, ``verify`` and ``molecule``),
``documents`` (the plans and reports, from the templates per language; ``reports`` groups
the checks and the lab for them), ``plan_json`` (``sigen plan``). They import only
``sigen.plan`` and each other's shared helpers here (``yamlout``, ``markdown``, ``memo``).
"""
