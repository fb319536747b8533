"""Faces: how people reach gridgov — the ``gridgov`` command (:mod:`.cli`), the Python API
(:mod:`.api`), the dashboard in the browser (:mod:`.dashboard`) and the docs' parameter
table. The top layer: nothing imports it but ``simulation/__init__.py``."""
