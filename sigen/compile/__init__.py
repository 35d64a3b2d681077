"""The compiler's front half: load, validate, model, plan.

``loader`` (YAML 1.2 with positions, on ``yaml12``; ``parts`` reloads only what changed)
-> ``validate`` (the cerberus schema, then semantic checks; all diagnostics at once)
-> ``model`` (the plan's entity types, references resolved) -> ``planner`` (every derived
fact: install steps, flows, ``recovery`` for backups, restores and drills, ``wiring`` for
role variables, ``verification`` for checks, ``lab``), with ``evidence`` and ``revisions``
(the records beside the output) taken in before rendering.
"""
