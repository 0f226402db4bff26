"""The guest-kernel harness (QEMU + Debian stock kernels) and the crash lab built on it.

Modules, one job each:

* ``debkernel`` - fetch (``apt-get download``) and unpack a Debian kernel into
  ``~/.cache/hotfence/guest/<kver>/``; extract the PVH-bootable ``vmlinux``; ``vmlinux.h``
  from its BTF without booting (:func:`~hotfence.lab.debkernel.vmlinux_h`).
* ``initramfs`` - newc cpio writer and module load order from ``.modinfo``.
* ``guest`` - boot and run commands:

  .. code-block:: python

      from hotfence.lab.guest import GuestConfig, GuestSession, run_in_guest

      res = run_in_guest("uname -r", files={"x.txt": b"..."}, timeout=60)
      res.exit_code, res.stdout, res.stderr, res.console, res.boot_seconds, res.outputs

      with GuestSession(GuestConfig(memory_mb=1024)) as g:   # one boot, many commands
          r = g.run("python -m pytest -q tests/...", cwd="/work/main", timeout=600)
          r.exit_code, r.stdout, r.stderr, r.outputs          # CommandResult

  With ``hostroot=True`` (default) commands run in an overlay of the host's ``/`` (the
  venv, its Python, libbpf, the repo), as root, with bpffs, cgroup2, securityfs,
  debugfs, tracefs mounted and ``lsm=lockdown,capability,landlock,bpf``. Inside,
  ``$HOTFENCE_GUEST=1``, files passed with ``files=`` are in ``$HOTFENCE_IN`` and files
  written to ``$HOTFENCE_OUT`` come back in ``outputs``.
* ``crashlab`` - the crash kinds, the ``hotfence_crash.ko`` build and ``record``.
* ``pstore`` - a real pstore capture: panic with ramoops loaded, warm reset, read
  /sys/fs/pstore at the next boot.
* ``kdump`` - a real kdump capture: ``kexec -p`` a capture kernel, panic, save
  /proc/vmcore with makedumpfile as Debian's kdump-tools lays out /var/crash.
* ``cli`` - ``hotfence lab kinds|record|vmcore|pstore|kdump|run|kernel``.
"""
