"""Linux facts every layer above shares: socket names and numbers, kernel and arch names.

The bottom layer: it imports nothing from hotfence, so ``bpf``, ``fence`` and ``watch``
can all use it without importing each other.
"""
