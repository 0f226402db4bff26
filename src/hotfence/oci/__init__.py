"""OCI runtime integration: fence a container from its first instruction.

* :mod:`.meta`: who a container is, from its OCI bundle (annotations; Docker's own record
  of the container beside it), and whether a policy's ``spec.selector`` matches it.
* :mod:`.profile`: a policy's socket() rules merged into the container's OCI seccomp profile.
* :mod:`.runtime`: ``hotfence-runc``, the runtime wrapper (and the hooks it installs).

It sits above ``fence`` (it compiles policies and applies fences) and beside ``watch``.
"""
