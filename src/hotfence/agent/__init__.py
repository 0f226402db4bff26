"""``hotfence agent``: keeps the running containers that a policy directory selects fenced.

* :mod:`.core`: reconcile at start, follow the engine's container events, re-apply when
  a policy file changes, remove the fences of containers that are gone.
* :mod:`.handoff`: the root-only socket on which hotfence-runc's createRuntime hooks hand
  their fence to the agent (faster than loading it in the hook).
* :mod:`.metrics`: the Prometheus collector the agent serves on a loopback port.
"""
