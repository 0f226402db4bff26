"""``hotfence agent``: keeps the running containers that a policy directory selects fenced.

* :mod:`.core`: reconcile at start, follow the engine's container events, re-apply when
  a policy file changes, remove the fences of containers that are gone.
* :mod:`.metrics`: the Prometheus collector the agent serves on a loopback port.
"""
