"""Containers: which cgroup a container, a pid or a pasted cgroup path names, and who owns it.

* :mod:`.cgroups`: every cgroup form an operator pastes -> the cgroup v2 directory.
* :mod:`.engine`: the container engines' own APIs (Docker Engine API; Podman serves it too).
* :mod:`.target`: the one resolver behind ``--cgroup/--container/--pid`` of every command.

This package sits below ``fence`` (the fence and watch CLIs call it) and imports nothing
from the other hotfence layers.
"""
