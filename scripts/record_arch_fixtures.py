#!/usr/bin/env python3
"""Record real crash logs from Debian's stock kernels of other architectures (QEMU TCG).

For each architecture the Debian ``linux-image`` and ``busybox-static`` packages are
downloaded (``apt-get download``, never installed; the host needs the foreign architecture
added with ``dpkg --add-architecture``) and unpacked into a cache directory: bookworm's
through the host's apt, another suite's (trixie for riscv64, which bookworm lacks)
through a private apt state under the cache directory. A tiny initramfs (busybox as
``/init``, written by :mod:`hotfence.lab.initramfs`) mounts /proc, fires one scenario's
triggers (SysRq, the OOM killer, the hung-task detector with Debian's own modules, or
the crash lab's module cross-built against the arch's Debian headers), and the serial
console is captured until the guest powers off or panics (``panic=1`` with
``-no-reboot`` ends QEMU).

The captured console is written unchanged, except that QEMU firmware chatter (SLOF on
pseries) before the kernel's first line is dropped, to ``tests/data/realworld/<arch>-<kver>-<scenario>.log``.
Recording is slow (TCG) and is not part of CI; the parsing tests on the logs are.

    scripts/record_arch_fixtures.py --arch arm64 --scenario sysrq-crash
    scripts/record_arch_fixtures.py            # every arch x scenario
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hotfence.lab.initramfs import Initramfs, ModuleIndex, read_module

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "realworld"
CACHE = Path(os.environ.get("HOTFENCE_ARCH_CACHE", Path.home() / ".cache" / "hotfence" / "arch"))
KVER = os.environ.get("HOTFENCE_ARCH_KVER", "6.1.0-50")
# The host's own Debian suite: its kbuild tools run as they are.
HOST_SUITE = "bookworm"


@dataclass(frozen=True)
class Arch:
    """How QEMU boots Debian's kernel for one architecture."""

    name: str  # short name used in fixture file names
    deb_arch: str  # Debian architecture of the packages
    flavour: str  # linux-image-<kver>-<flavour>
    qemu: list[str]  # qemu binary and machine arguments
    console: str  # serial console device
    kernel_path: str  # kernel image inside the package, {kver} substituted
    kver: str = KVER  # Debian's kernel ABI name without the flavour
    # Debian suite the packages come from: None is the host's own apt sources
    # (bookworm); another suite is fetched through a private apt state (_apt_env).
    suite: str | None = None
    # Guest CPUs and MiB of memory: Malta's 4Kc is a uniprocessor with 256 MiB of
    # low memory.
    smp: int = 2
    mem: int = 512

    def kernel_image(self, root: Path) -> Path:
        return root / self.kernel_path.format(kver=f"{self.kver}-{self.flavour}")

    @property
    def kbuild(self) -> str:
        """The host's (amd64) kbuild package matching this kernel."""
        if self.suite in (None, HOST_SUITE):  # bookworm names it by major.minor only
            return "linux-kbuild-" + ".".join(self.kver.split(".")[:2])
        return f"linux-kbuild-{self.kver}"


ARCHES = {
    a.name: a
    for a in (
        Arch(
            "arm64",
            "arm64",
            "arm64",
            ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57"],
            "ttyAMA0",
            "boot/vmlinuz-{kver}",
        ),
        Arch(
            "armhf",
            "armhf",
            "armmp",
            ["qemu-system-arm", "-M", "virt"],
            "ttyAMA0",
            "boot/vmlinuz-{kver}",
        ),
        Arch(
            "ppc64le",
            "ppc64el",
            "powerpc64le",
            ["qemu-system-ppc64", "-M", "pseries", "-cpu", "POWER9"],
            "hvc0",
            "boot/vmlinux-{kver}",
        ),
        Arch(
            "s390x",
            "s390x",
            "s390x",
            ["qemu-system-s390x", "-M", "s390-ccw-virtio"],
            "ttysclp0",
            "boot/vmlinuz-{kver}",
        ),
        # 32-bit little-endian MIPS on QEMU's Malta board (Debian's 4kc-malta flavour,
        # whose vmlinuz is a self-decompressing ELF). The host's apt knows no mipsel
        # packages: they come through a private apt state for bookworm, as riscv64's
        # do for trixie.
        Arch(
            "mipsel",
            "mipsel",
            "4kc-malta",
            ["qemu-system-mipsel", "-M", "malta"],
            "ttyS0",
            "boot/vmlinuz-{kver}",
            suite="bookworm",
            smp=1,
            mem=256,
        ),
        # 64-bit little-endian MIPS on the same board: Debian's 5kc-malta flavour on
        # QEMU's 5KEc CPU (MIPS64r2).
        Arch(
            "mips64el",
            "mips64el",
            "5kc-malta",
            ["qemu-system-mips64el", "-M", "malta", "-cpu", "5KEc"],
            "ttyS0",
            "boot/vmlinuz-{kver}",
            suite="bookworm",
            smp=1,
            mem=256,
        ),
        # 32-bit x86 (686-pae) on QEMU's PC: the i386 shapes (EIP:, no [<pc>] in traces).
        Arch(
            "i386",
            "i386",
            "686-pae",
            ["qemu-system-i386", "-M", "pc"],
            "ttyS0",
            "boot/vmlinuz-{kver}",
            suite="bookworm",
        ),
        # bookworm has no riscv64 kernel; trixie's boots on QEMU's virt board with
        # QEMU's default -bios (OpenSBI). Its package holds the ELF vmlinux.
        Arch(
            "riscv64",
            "riscv64",
            "riscv64",
            ["qemu-system-riscv64", "-M", "virt"],
            "ttyS0",
            "boot/vmlinux-{kver}",
            kver=os.environ.get("HOTFENCE_RISCV_KVER", "6.12.117+deb13"),
            suite="trixie",
        ),
    )
}

# Each scenario is the shell run by /init after /proc is mounted. Non-fatal ones end with
# a forced power-off; "sysrq-crash" ends in panic(), which reboots (QEMU exits).
SCENARIOS = {
    # panic("sysrq triggered crash") from a write(2) by the shell (comm "sh")
    "sysrq-crash": "echo c > /proc/sysrq-trigger",
    # init exits: "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300"
    "kill-init": "exit 3",
    # booted without an initramfs, root= naming a disk the guest has not got:
    # "VFS: Unable to mount root fs on unknown-block(0,0)"
    "no-root": "",
    # backtraces of all CPUs (NMI or IPI): a shell loop keeps CPU 1 busy so that its
    # interrupted registers are dumped (show_regs) instead of "skipped as idling"
    "sysrq-backtrace": (
        "while :; do :; done &\nsleep 2\necho l > /proc/sysrq-trigger\nsleep 2\nkill $!"
    ),
    # the OOM killer: with overcommit always on, dd's 1 GiB buffer is granted, then
    # filling it from /dev/zero exhausts the guest's memory (no swap)
    "oom": (
        "echo 1 > /proc/sys/vm/overcommit_memory\n"
        "dd if=/dev/zero of=/dev/null bs=1024M count=1\nsleep 1"
    ),
    # a hung task: a write to an ext2 filesystem frozen with fsfreeze blocks in
    # sb_start_write() (TASK_UNINTERRUPTIBLE) until the hung-task detector reports it;
    # SysRq w then lists the blocked task. brd and ext4 are Debian's own modules.
    "hung-task": (
        "insmod_all\n"
        "mke2fs -q /dev/ram0 >/dev/null\nmkdir -p /mnt\nmount -t ext2 /dev/ram0 /mnt\n"
        "echo 3 > /proc/sys/kernel/hung_task_timeout_secs\n"
        "fsfreeze --freeze /mnt\ntouch /mnt/x &\nsleep 15\n"
        "echo w > /proc/sysrq-trigger\nsleep 1\nfsfreeze --unfreeze /mnt\nsleep 1"
    ),
    # the crash lab's module (src/hotfence/lab/module), cross-built against Debian's
    # headers: each kind is written from a child shell, which the oops kills (not init)
    "mod-null": "insmod_all\nsh -c 'echo null > /proc/hotfence_crash'\nsleep 1",
    "mod-bug": "insmod_all\nsh -c 'echo bug > /proc/hotfence_crash'\nsleep 1",
    "mod-warn": "insmod_all\nsh -c 'echo warn > /proc/hotfence_crash'\nsleep 1",
    # spins with preemption off: the soft-lockup watchdog (threshold 2 s: reported after
    # 4 s) fires and, with softlockup_panic, panics
    "mod-softlockup": "insmod_all\nsh -c 'echo softlockup > /proc/hotfence_crash'\nsleep 60",
    # a read of a freed KFENCE-guarded object (KFENCE reports, the kernel carries on) and
    # a byte written into a kmalloc object's right redzone, found by SLUB's debug
    # checks when it is freed: the memory debuggers of a stock kernel, enabled at boot
    "mod-kfence-uaf": "insmod_all\nsh -c 'echo kfence-uaf > /proc/hotfence_crash'\nsleep 1",
    "mod-slub-redzone": "insmod_all\nsh -c 'echo slub-redzone > /proc/hotfence_crash'\nsleep 1",
    # a byte written into a freed kmalloc object, found by SLUB's debug checks when the
    # cache hands the object out again: its allocation path reports the poison
    "mod-slub-poison": "insmod_all\nsh -c 'echo slub-poison > /proc/hotfence_crash'\nsleep 1",
    # unbounded recursion in the module: the kernel stack's guard page (VMAP_STACK)
    "mod-stack-overflow": (
        "insmod_all\nsh -c 'echo stack-overflow > /proc/hotfence_crash'\nsleep 1"
    ),
    # interrupts off for 30 s: the hard-lockup detector (riscv64 6.12: the buddy CPU's;
    # ppc64le: powerpc's own SMP watchdog) reports it, and the kernel carries on
    "mod-hardlockup": "insmod_all\nsh -c 'echo hardlockup > /proc/hotfence_crash'\nsleep 1",
}
# Debian's s390x kernel is built without CONFIG_LOCKUP_DETECTOR: nothing would ever
# report the spin (the guest would run until the timeout).
UNSUPPORTED = {("s390x", "mod-softlockup")}
# bookworm's kernels are built without CONFIG_KFENCE (trixie's riscv64 one has it).
UNSUPPORTED |= {(a, "mod-kfence-uaf") for a in ("arm64", "armhf", "ppc64le", "s390x")}
# Only riscv64's 6.12 (the buddy detector) and ppc64le (powerpc's own) have a hard-lockup
# detector among these kernels: elsewhere the 30 s spin passes unreported.
UNSUPPORTED |= {(a, "mod-hardlockup") for a in ("arm64", "armhf", "s390x")}
# bookworm's ppc64le kernel has no VMAP_STACK: the overflow runs over what lies below the
# stack and the guest loops on NULL dereferences in the fault path, printing forever.
UNSUPPORTED |= {("ppc64le", "mod-stack-overflow")}
# Extra kernel command-line words per scenario.
SCENARIO_APPEND = {
    "mod-softlockup": "watchdog_thresh=2 softlockup_panic=1",
    "mod-kfence-uaf": "kfence.sample_interval=1",
    "mod-slub-redzone": "slub_debug=FZPU",
    "mod-slub-poison": "slub_debug=FZPU",
    "mod-hardlockup": "watchdog_thresh=2",
}
# Scenarios that need the crash module; only arches with a cross compiler in
# CROSS_COMPILERS can build it.
CRASH_MODULE_SCENARIOS = {
    "mod-null",
    "mod-bug",
    "mod-warn",
    "mod-softlockup",
    "mod-kfence-uaf",
    "mod-slub-redzone",
    "mod-slub-poison",
    "mod-stack-overflow",
    "mod-hardlockup",
}
# apt: gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf, gcc-powerpc64le-linux-gnu,
# gcc-s390x-linux-gnu, gcc-riscv64-linux-gnu, gcc-mipsel-linux-gnu,
# gcc-mips64el-linux-gnuabi64, gcc-i686-linux-gnu
CROSS_COMPILERS = {
    "arm64": "aarch64-linux-gnu",
    "armhf": "arm-linux-gnueabihf",
    "ppc64le": "powerpc64le-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "riscv64": "riscv64-linux-gnu",
    "mipsel": "mipsel-linux-gnu",
    "mips64el": "mips64el-linux-gnuabi64",
    "i386": "i686-linux-gnu",
}
# Stock modules a scenario loads (with their dependencies, in order) and their parameters.
# ext4 asks for "crc32c" through modprobe, which the initramfs lacks: load it first.
SCENARIO_MODULES = {"hung-task": ["crc32c_generic", "brd", "ext4"]}
MODULE_PARAMS = {"brd": "rd_nr=1 rd_size=8192"}


def _apt_env(arch: Arch) -> dict[str, str]:
    """Environment for apt-get: the host's sources, or a private state for another suite.

    The private state (its own sources.list, lists, cache and an empty dpkg status under
    the cache directory) leaves the host's apt configuration alone.
    """
    env = dict(os.environ)
    if arch.suite is None:
        return env
    # one state per suite and architecture: its sources.list names the architecture
    base = CACHE / f"apt-{arch.suite}-{arch.deb_arch}"
    conf = base / "apt.conf"
    if not conf.is_file():
        for d in ("lists/partial", "cache/archives/partial", "etc"):
            (base / d).mkdir(parents=True, exist_ok=True)
        (base / "status").touch()
        keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
        (base / "etc" / "sources.list").write_text(
            f"deb [arch={arch.deb_arch},amd64 signed-by={keyring}] "
            f"http://deb.debian.org/debian {arch.suite} main\n"
        )
        conf.write_text(
            f'Dir::Etc::SourceList "{base}/etc/sources.list";\n'
            'Dir::Etc::SourceParts "/nonexistent";\n'
            f'Dir::State::Lists "{base}/lists";\n'
            f'Dir::State::status "{base}/status";\n'
            f'Dir::Cache "{base}/cache";\n'
            f'APT::Architectures {{ "amd64"; "{arch.deb_arch}"; }};\n'
        )
        env["APT_CONFIG"] = str(conf)
        subprocess.run(["apt-get", "update"], env=env, check=True)
    env["APT_CONFIG"] = str(conf)
    return env


def _fetch(arch: Arch) -> tuple[Path, Path]:
    """Unpacked kernel and busybox package roots for ``arch`` (downloaded once)."""
    kpkg = f"linux-image-{arch.kver}-{arch.flavour}"
    roots = []
    for pkg in (kpkg, "busybox-static"):
        root = CACHE / "x" / f"{pkg}-{arch.deb_arch}"
        if not root.is_dir():
            dl = CACHE / "deb"
            dl.mkdir(parents=True, exist_ok=True)
            get = ["apt-get", "download", f"{pkg}:{arch.deb_arch}"]
            subprocess.run(get, cwd=dl, env=_apt_env(arch), check=True)
            (deb,) = dl.glob(f"{pkg}_*_{arch.deb_arch}.deb")
            tmp = root.with_suffix(".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
            tmp.rename(root)
        roots.append(root)
    return roots[0], roots[1]


def _host_kbuild(arch: Arch, root: Path) -> None:
    """Swap another suite's kbuild tools for the host's build of the same kernel version.

    trixie's fixdep and modpost need trixie's glibc (2.38+); bookworm carries the same
    upstream 6.12 kbuild built for its own (``linux-kbuild-6.12.N+deb12``). Its tree is
    copied over the suite's, where the headers' symlinks point.
    """
    upstream = arch.kver.split("+")[0]
    pkg = f"linux-kbuild-{upstream}+deb12"
    dl = CACHE / "deb"
    subprocess.run(["apt-get", "download", f"{pkg}:amd64"], cwd=dl, check=True)
    (deb,) = dl.glob(f"{pkg}_*_amd64.deb")
    tmp = CACHE / "hdr" / f"{pkg}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
    dest = root / "usr" / "lib" / arch.kbuild
    shutil.copytree(tmp / "usr" / "lib" / pkg, dest, symlinks=True, dirs_exist_ok=True)
    shutil.rmtree(tmp)


def _crash_module(arch: Arch) -> Path:
    """The crash lab's module built for ``arch`` against Debian's own headers.

    The arch's ``linux-headers`` and the all-arch ``-common`` tree come from apt; the
    host's (amd64) ``linux-kbuild`` supplies fixdep/modpost, which run on the build host.
    """
    triplet = CROSS_COMPILERS[arch.name]
    root = CACHE / "hdr" / arch.name
    flavour = f"{arch.kver}-{arch.flavour}"
    headers = root / "usr" / "src" / f"linux-headers-{flavour}"
    if not headers.is_dir():
        dl = CACHE / "deb"
        dl.mkdir(parents=True, exist_ok=True)
        common_pkg = f"linux-headers-{arch.kver}-common"
        pkgs = [f"linux-headers-{flavour}:{arch.deb_arch}", common_pkg, f"{arch.kbuild}:amd64"]
        subprocess.run(["apt-get", "download", *pkgs], cwd=dl, env=_apt_env(arch), check=True)
        (hdr,) = dl.glob(f"linux-headers-{flavour}_*.deb")
        version = hdr.name.split("_")[1]
        for pat in (f"linux-headers-{flavour}_*", f"{common_pkg}_*", f"{arch.kbuild}_*_amd64"):
            debs = list(dl.glob(pat + ".deb"))
            # linux-kbuild-6.1 is one package for every 6.1 ABI: the cache may hold
            # several versions of it (one per apt state); the headers' own is the match
            (deb,) = [d for d in debs if f"_{version}_" in d.name] if len(debs) > 1 else debs
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        if arch.suite not in (None, HOST_SUITE):
            _host_kbuild(arch, root)
        # Debian's Makefile includes the -common tree by its /usr/src path: point it here.
        common = root / "usr" / "src" / common_pkg
        (headers / "Makefile").write_text(f"include {common}/Makefile\n")
    build = CACHE / "run" / f"{arch.name}-module"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(ROOT / "src" / "hotfence" / "lab" / "module", build)
    make = ["nice", "make", "-s", "-C", str(headers), f"M={build}", "DEB_BUILD_ARCH=amd64"]
    make += [f"DEB_HOST_ARCH={arch.deb_arch}", f"DEB_HOST_GNU_TYPE={triplet}", "modules"]
    if arch.suite not in (None, HOST_SUITE):
        # the headers name the suite's compiler (trixie: gcc-14); the host's cross gcc
        # (bookworm: 12) builds a module this simple just as well
        # and no BTF for the module: that needs pahole, and nothing here reads it
        make += [f"CC={triplet}-gcc", "CONFIG_DEBUG_INFO_BTF_MODULES="]
    subprocess.run(make, check=True)
    return build / "hotfence_crash.ko"


def _initramfs(busybox: Path, script: str, modules: list[Path]) -> bytes:
    img = Initramfs()
    loads = []
    for i, ko in enumerate(modules):
        stem = ko.name.split(".ko")[0]
        name = f"lib/hf/{i:02d}-{stem}.ko"
        img.add_file(name, read_module(ko))  # 6.12's are .ko.xz: busybox wants the ELF
        params = MODULE_PARAMS.get(stem.replace("-", "_"), "")
        loads.append(f"insmod /{name} {params}".rstrip())
    script = script.replace("insmod_all", "\n".join(loads) or ":")
    # trixie's package is merged-/usr (usr/bin/busybox), bookworm's is not (bin/busybox)
    (bb,) = [p for p in (busybox / "bin" / "busybox", busybox / "usr/bin/busybox") if p.is_file()]
    img.add_file("bin/busybox", bb.read_bytes(), 0o755)
    img.add_symlink("bin/sh", "busybox")
    for d in ("proc", "sys", "dev", "tmp"):
        img.add_dir(d)
    img.add_chardev("dev/console", 5, 1)
    init = (
        "#!/bin/sh\n"
        "/bin/busybox --install -s /bin\n"
        "mount -t proc proc /proc\n"
        "mount -t sysfs sys /sys\n"
        "mount -t devtmpfs dev /dev\n"
        "echo 1 > /proc/sys/kernel/sysrq\n"
        f"{script}\n"
        "echo o > /proc/sysrq-trigger\n"
        "sleep 30\n"
    )
    img.add_file("init", init.encode(), 0o755)
    return img.to_bytes()


def record(arch: Arch, scenario: str, timeout: float) -> Path:
    kroot, bbroot = _fetch(arch)
    work = CACHE / "run" / f"{arch.name}-{scenario}"
    work.mkdir(parents=True, exist_ok=True)
    # merged-/usr again: trixie ships the modules under usr/lib/modules
    (kmods,) = [
        d / "modules" / f"{arch.kver}-{arch.flavour}"
        for d in (kroot / "lib", kroot / "usr" / "lib")
        if (d / "modules").is_dir()
    ]
    wanted = SCENARIO_MODULES.get(scenario, [])
    modules = ModuleIndex(kmods).load_order(wanted) if wanted else []
    if scenario in CRASH_MODULE_SCENARIOS:
        modules.append(_crash_module(arch))
    initrd: Path | None = None
    if scenario != "no-root":
        initrd = work / "initrd.cpio"
        initrd.write_bytes(_initramfs(bbroot, SCENARIOS[scenario], modules))
    console = work / "console.log"
    cmd = [
        "nice",
        "-n",
        "10",
        *arch.qemu,
        "-smp",
        str(arch.smp),
        "-m",
        str(arch.mem),
        "-nographic",
        "-no-reboot",
        "-kernel",
        str(arch.kernel_image(kroot)),
        *(["-initrd", str(initrd)] if initrd else []),
        "-append",
        f"console={arch.console} panic=1 loglevel=8 "
        + ("rdinit=/init" if initrd else "root=/dev/vda")
        + (" " + SCENARIO_APPEND[scenario] if scenario in SCENARIO_APPEND else ""),
        "-serial",
        f"file:{console}",
        "-monitor",
        "none",
    ]
    if arch.name == "ppc64le":
        # pseries puts the console on hvc0 (a hypervisor call), not the serial device
        cmd[cmd.index("-serial") : cmd.index("-serial") + 2] = [
            "-chardev",
            f"file,id=c0,path={console}",
            "-serial",
            "chardev:c0",
        ]
    try:
        subprocess.run(cmd, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        # A guest that hangs after its crash (RCU stalls, no power-off) still wrote its
        # console up to the timeout: that is the recording (run() has killed QEMU).
        print(f"{arch.name} {scenario}: guest still running after {timeout:.0f} s, stopped")
    raw = console.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
    # Keep the kernel's log only: from its first "[    0.000000]" line (firmware before it).
    m = re.search(r"^.*?\[ *0\.0+\]", raw, re.M)
    text = raw[m.start() :] if m else raw
    out = OUT / f"{arch.name}-{arch.kver}-{scenario}.log"
    out.write_text(text)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", action="append", choices=sorted(ARCHES))
    ap.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    ap.add_argument("--timeout", type=float, default=900.0)
    a = ap.parse_args()
    for name in a.arch or sorted(ARCHES):
        for sc in a.scenario or sorted(SCENARIOS):
            if sc in CRASH_MODULE_SCENARIOS and name not in CROSS_COMPILERS:
                continue  # no cross compiler for this arch's module
            if (name, sc) in UNSUPPORTED:
                continue
            path = record(ARCHES[name], sc, a.timeout)
            print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
