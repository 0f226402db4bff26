"""The QEMU guest harness: initramfs writer and vmlinux extraction (host-only), then checks
in the session's one boot of Debian's stock kernel (the ``guest`` fixture of conftest.py)."""

from __future__ import annotations

import lzma
import re
import stat
from pathlib import Path

import pytest
import zstandard

from hotfence.lab.debkernel import GuestKernelError, build_deps, extract_vmlinux, pvh_entry
from hotfence.lab.guest import kvm_usable
from hotfence.lab.initramfs import Initramfs, ModuleIndex, read_module


def _parse_newc(blob: bytes) -> dict[str, tuple[int, bytes, tuple[int, int]]]:
    """An independent reader of cpio newc, as the kernel's init/initramfs.c parses it."""
    out: dict[str, tuple[int, bytes, tuple[int, int]]] = {}
    pos = 0
    while True:
        assert blob[pos : pos + 6] == b"070701", f"bad magic at {pos}"
        f = [int(blob[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name = blob[pos + 110 : pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        data = blob[pos : pos + size]
        pos += size
        pos += -pos % 4
        if name == "TRAILER!!!":
            assert pos == len(blob)
            return out
        out[name] = (mode, data, (rmaj, rmin))


def test_initramfs_round_trip() -> None:
    img = Initramfs()
    img.add_file("a/b/c.txt", b"hello", 0o600)
    img.add_file("odd", b"x" * 5)  # forces padding after data
    img.add_symlink("bin/sh", "busybox")
    img.add_chardev("dev/console", 5, 1)
    entries = _parse_newc(img.to_bytes())
    assert set(entries) == {"a", "a/b", "a/b/c.txt", "odd", "bin", "bin/sh", "dev", "dev/console"}
    mode, data, _ = entries["a/b/c.txt"]
    assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o600 and data == b"hello"
    assert entries["odd"][1] == b"xxxxx"
    assert stat.S_ISLNK(entries["bin/sh"][0]) and entries["bin/sh"][1] == b"busybox"
    assert stat.S_ISCHR(entries["dev/console"][0]) and entries["dev/console"][2] == (5, 1)
    assert stat.S_ISDIR(entries["a/b"][0])
    # parents come before children, as the kernel needs
    names = list(entries)
    assert names.index("a") < names.index("a/b") < names.index("a/b/c.txt")


def test_extract_vmlinux_finds_the_elf_after_false_magics() -> None:
    elf = b"\x7fELF" + bytes(range(256)) * 64
    # A decoy xz magic with garbage after it, then the real stream, then trailing data.
    blob = (
        b"MZ"
        + b"\0" * 100
        + b"\xfd7zXZ\x00garbage"
        + lzma.compress(elf, format=lzma.FORMAT_XZ)
        + b"tail"
    )
    assert extract_vmlinux(blob) == elf
    with pytest.raises(GuestKernelError, match="no xz, zstd or gzip stream"):
        extract_vmlinux(b"MZ" + b"\0" * 64)


def test_extract_vmlinux_reads_a_zstd_bzimage() -> None:
    # Debian's 6.12 kernels compress the payload with zstd; a decoy magic comes first
    # and the setup code's trailer follows the frame.
    elf = b"\x7fELF" + bytes(range(256)) * 64
    blob = b"MZ" + b"\x28\xb5\x2f\xfd junk" + zstandard.ZstdCompressor().compress(elf) + b"tail"
    assert extract_vmlinux(blob) == elf


# `apt-cache depends` of Debian 12's linux-headers for the two kernel series it ships
# (with foreign architectures added, apt lists their providers indented under a line).
_DEPENDS_6_1 = """linux-headers-6.1.0-50-amd64
  Depends: linux-headers-6.1.0-50-common
  Depends: linux-kbuild-6.1
    linux-kbuild-6.1:s390x
    linux-kbuild-6.1:arm64
  Depends: linux-compiler-gcc-12-x86
"""
_DEPENDS_6_12 = """linux-headers-6.12.115+deb12-amd64
  Depends: linux-base
  Depends: linux-headers-6.12.115+deb12-common
 |Depends: linux-image-6.12.115+deb12-amd64
  Depends: linux-image-6.12.115+deb12-amd64-unsigned
  Depends: linux-kbuild-6.12.115+deb12
  Depends: gcc-12
"""


def test_build_deps_follow_apt_for_each_series() -> None:
    assert build_deps(_DEPENDS_6_1) == ["linux-headers-6.1.0-50-common", "linux-kbuild-6.1"]
    assert build_deps(_DEPENDS_6_12) == [
        "linux-headers-6.12.115+deb12-common",
        "linux-kbuild-6.12.115+deb12",
    ]
    with pytest.raises(GuestKernelError, match="no linux-kbuild"):
        build_deps("linux-headers-x\n  Depends: linux-base\n")


def test_kvm_probe_gives_a_reason() -> None:
    usable, reason = kvm_usable()
    assert isinstance(usable, bool) and reason
    flags = Path("/proc/cpuinfo").read_text()
    if " vmx" not in flags and " svm" not in flags:
        assert not usable  # software nested virtualisation must fall back to TCG


# ---------------------------------------------------------------- guest (one boot) --


# `guest` is the session's shared guest (tests/conftest.py): booted once for every guest
# test module, with conftest.GUEST_FILES in $HOTFENCE_IN.


@pytest.mark.guest
def test_guest_runs_the_debian_kernel(guest) -> None:
    assert guest.kernel is not None
    assert guest.kernel_release == guest.kernel.kver
    res = guest.run("uname -r; uname -v")
    assert res.exit_code == 0
    release, version = res.stdout.splitlines()
    assert release == guest.kernel.kver and release.endswith("-amd64")
    assert "Debian" in version


@pytest.mark.guest
def test_stdout_stderr_exit_code_and_files(guest) -> None:
    res = guest.run(
        'cat "$HOTFENCE_IN/greeting.txt"; echo oops >&2; echo 42 > "$HOTFENCE_OUT/answer"; exit 7'
    )
    assert res.exit_code == 7
    assert res.stdout == "from the host\n"
    assert res.stderr == "oops\n"
    assert res.outputs["answer"] == b"42\n"


@pytest.mark.guest
def test_bpf_lsm_and_kernel_interfaces(guest) -> None:
    res = guest.run(
        "cat /sys/kernel/security/lsm; echo; "
        "test -s /sys/kernel/btf/vmlinux && echo btf; "
        "stat -f -c %T /sys/fs/bpf /sys/fs/cgroup /sys/kernel/tracing"
    )
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.split()
    assert "bpf" in lines[0].split(",")
    assert "btf" in lines
    assert lines[-3:] == ["bpf_fs", "cgroup2fs", "tracefs"]


@pytest.mark.guest
def test_host_python_venv_and_libbpf_inside(guest) -> None:
    code = (
        "import ctypes, sys, hotfence, hotfence.lab.guest; "
        "lib = ctypes.CDLL('libbpf.so.1'); "
        "print(sys.prefix, hotfence.__file__, lib.libbpf_major_version())"
    )
    res = guest.run(f'python -c "{code}"', cwd=str(Path(__file__).resolve().parents[1]))
    assert res.exit_code == 0, res.stderr
    prefix, module_file, major = res.stdout.split()
    import sys

    import hotfence

    assert prefix == sys.prefix  # the same venv as the host test run
    assert module_file == hotfence.__file__
    assert int(major) >= 1


@pytest.mark.guest
def test_guest_writes_stay_in_the_guest(guest, tmp_path: Path) -> None:
    probe = tmp_path / "written-in-guest"
    res = guest.run(f"mkdir -p {tmp_path} && touch {probe} && ls {probe}")
    assert res.exit_code == 0, res.stderr
    assert not probe.exists()  # the host root is a read-only lower layer


@pytest.mark.guest
def test_module_load_order_puts_dependencies_first(guest) -> None:
    order = [p.name for p in ModuleIndex(guest.kernel.modules_dir).load_order(["9p", "virtio_pci"])]
    assert order.index("9pnet.ko") < order.index("9p.ko")
    assert order.index("virtio.ko") < order.index("virtio_pci.ko")
    assert pvh_entry(guest.kernel.vmlinux) is not None
    res = guest.run("cut -d' ' -f1 /proc/modules")
    assert {"9p", "9pnet_virtio", "virtio_pci", "overlay"} <= set(res.stdout.split())


@pytest.mark.guest
def test_pytest_runs_inside_the_guest(guest) -> None:
    """The LSM tests run the project's own pytest inside the guest; prove that path."""
    repo = Path(__file__).resolve().parents[1]
    res = guest.run(
        "python -m pytest -q -p no:cacheprovider tests/test_guest_harness.py -k initramfs_round_trip",
        cwd=str(repo),
        timeout=300,
    )
    assert res.exit_code == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "1 passed" in res.stdout
    env = guest.run('echo "$HOTFENCE_GUEST"')
    assert env.stdout.strip() == "1"  # tests can tell they are inside the guest


@pytest.mark.guest
def test_vmlinux_h_from_the_guest_kernel_btf(guest, tmp_path: Path) -> None:
    from hotfence.lab.debkernel import vmlinux_h

    header = vmlinux_h(guest.kernel, tmp_path / "vmlinux.h").read_text()
    assert "#ifndef __VMLINUX_H__" in header
    assert re.search(r"^struct socket \{", header, re.M)
    assert "BPF_LSM_MAC" in header  # the LSM attach type exists in this kernel


@pytest.mark.guest
def test_module_autoload_and_loopback_like_a_debian_system(guest) -> None:
    """socket(AF_ALG) autoloads af_alg (net-pf-38) through busybox modprobe and the
    cached modules.alias; loopback is up for bind/connect tests."""
    code = (
        "import socket; "
        "a = socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0); "
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
        "c = socket.create_connection(s.getsockname(), timeout=5); print('ok')"
    )
    res = guest.run(f'python -c "{code}" && grep -c "^af_alg " /proc/modules')
    assert res.exit_code == 0, res.stderr
    assert res.stdout.split() == ["ok", "1"]


@pytest.mark.parametrize("suffix", [".ko", ".ko.xz", ".ko.zst", ".ko.gz"])
def test_read_module_decompresses_debian_612_modules(tmp_path: Path, suffix: str) -> None:
    # Debian 6.12 ships modules as .ko.xz; the initramfs and pyelftools need the ELF.
    import gzip

    elf = b"\x7fELF" + bytes(range(256)) * 16
    packed = {
        ".ko": elf,
        ".ko.xz": lzma.compress(elf, format=lzma.FORMAT_XZ),
        ".ko.zst": zstandard.ZstdCompressor().compress(elf),
        ".ko.gz": gzip.compress(elf),
    }[suffix]
    ko = tmp_path / f"9p{suffix}"
    ko.write_bytes(packed)
    assert read_module(ko) == elf


def test_download_reports_the_bytes_of_the_deb_as_they_arrive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lab's apt downloads drive a progress bar in bytes: the advances add up to the
    .deb apt wrote, against the Size apt announced. (A small package, from Debian's apt.)"""
    import contextlib

    from hotfence import console
    from hotfence.lab import debkernel

    seen: dict[str, object] = {"advanced": 0}

    @contextlib.contextmanager
    def progress(description: str, total: float | None, *, unit: str = "items"):
        seen.update(description=description, total=total, unit=unit)

        def advance(amount: float) -> None:
            seen["advanced"] = int(seen["advanced"]) + int(amount)

        yield advance

    monkeypatch.setattr(console, "progress", progress)
    size = debkernel._deb_size("hello")
    if size is None:
        pytest.fail("apt knows no 'hello' package: run apt-get update (scripts/setup.sh)")
    debkernel._download("hello", tmp_path)
    (deb,) = tmp_path.glob("hello_*.deb")
    assert seen["description"] == "download hello" and seen["unit"] == "bytes"
    assert seen["total"] == size == deb.stat().st_size
    assert seen["advanced"] == size  # counted once more after apt exits


def test_download_of_an_unknown_package_names_it(tmp_path: Path) -> None:
    from hotfence.lab import debkernel

    with pytest.raises(GuestKernelError, match="download hotfence-no-such-package: "):
        debkernel._download("hotfence-no-such-package", tmp_path)
