"""The verbs behind the commands: ``run`` (models × tasks), ``speed``, ``compare``, ``suite``.

Orchestration only: a verb wires configs, embedders, tasks, statistics and writers together;
no math and no file formats here. The CLI calls these (through :mod:`embedlab`'s public API).
"""
