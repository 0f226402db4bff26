"""The guest-kernel harness (QEMU + Debian stock kernels) and the crash lab built on it."""
