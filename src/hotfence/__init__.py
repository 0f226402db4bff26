"""hotfence: kernel crash triage, eBPF socket fences, socket event stream, socket-path model."""

__version__ = "0.1.0"
