"""The BPF build, the objects it ships, and every user-space mirror of a BPF struct.

The mirrors (fence/abi.py, watch/abi.py, the LSM scope) are checked against the BTF of
the compiled objects, member by member, and fence_abi.h also by compiling it with gcc:
a field added on one side only fails here rather than corrupting maps.
"""

from __future__ import annotations

import ctypes
import errno
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from hotfence.bpf import build, libbpf
from hotfence.bpf.btf import Btf, ctypes_layout
from hotfence.fence import abi, compiled
from hotfence.fence.backends import lsm
from hotfence.watch import abi as watch_abi
from hotfence.watch import tracer

FENCE_DIR = build.PACKAGE_DIR / "fence"
COMMON_H = FENCE_DIR / "fence_abi.h"

STRUCTS = {
    "hf_create_key": abi.CreateKey,
    "hf_port_key": abi.PortKey,
    "hf_verdict": abi.VerdictValue,
    "hf_config": abi.Config,
    "hf_counter": abi.Counter,
    "hf_cg_counter_key": abi.CgCounterKey,
    "hf_stats": abi.Stats,
    "hf_event": abi.Event,
}


def _defines() -> dict[str, str]:
    out = {}
    for m in re.finditer(r"^#define\s+(HF_\w+)\s+(.+?)\s*(?:/\*.*)?$", COMMON_H.read_text(), re.M):
        out[m.group(1)] = m.group(2)
    return out


def test_constants_match_header():
    d = _defines()
    assert int(d["HF_ANY"], 0) == abi.HF_ANY == compiled.ANY
    assert int(d["HF_ANY_KERN"], 0) == abi.HF_ANY_KERN == compiled.ANY_KERN
    assert int(d["HF_MAX_RULES"]) == abi.HF_MAX_RULES
    assert int(d["HF_CREATE_ENTRIES"]) == abi.HF_CREATE_ENTRIES
    assert int(d["HF_PORT_ENTRIES"]) == abi.HF_PORT_ENTRIES
    assert int(d["HF_CFG_COUNT_BY_CGROUP"]) == abi.HF_CFG_COUNT_BY_CGROUP
    assert (
        tuple(int(x) for x in d["HF_FAST_FAMILIES"].strip("{}").split(",")) == abi.HF_FAST_FAMILIES
    )
    assert int(d["HF_N_FAST_FAMILIES"]) == len(abi.HF_FAST_FAMILIES)
    assert int(d["HF_FAST_TYPES"]) == abi.HF_FAST_TYPES
    assert int(d["HF_FAST_PROTOS"]) == abi.HF_FAST_PROTOS
    for action in compiled.Action:
        assert int(d[f"HF_{action.name}"]) == action.value
    assert int(d["HF_HOOK_CREATE"]) == compiled.Hook.SOCKET_CREATE
    assert int(d["HF_HOOK_BIND"]) == compiled.Hook.BIND
    assert int(d["HF_HOOK_CONNECT"]) == compiled.Hook.CONNECT
    for name, value in (
        ("HF_EV_DENY", abi.HF_EV_DENY),
        ("HF_EV_WOULD_DENY", abi.HF_EV_WOULD_DENY),
        ("HF_EV_AUDIT", abi.HF_EV_AUDIT),
    ):
        assert int(d[name]) == value


def test_lookup_order_in_header_is_compiled_py_order():
    d = _defines()
    create = tuple(int(x) for x in d["HF_CREATE_SHAPES"].strip("{}").split(","))
    port = tuple(int(x) for x in d["HF_PORT_SHAPES"].strip("{}").split(","))
    assert create == abi.CREATE_SHAPES and len(create) == int(d["HF_N_CREATE_SHAPES"])
    assert port == abi.PORT_SHAPES and len(port) == int(d["HF_N_PORT_SHAPES"])
    # And the bits mean what the BPF code takes them to mean.
    assert abi.CREATE_SHAPES[0] == 15 and abi.CREATE_SHAPES[-1] == int(d["HF_USE_KERN"])
    assert abi.PORT_SHAPES[0] == 7 and abi.PORT_SHAPES[-1] == int(d["HF_PUSE_FAMILY"])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
def test_struct_layouts_match_ctypes(tmp_path):
    lines = [
        "#include <stdio.h>",
        "#include <stddef.h>",
        "#include <linux/types.h>",
        '#include "fence_abi.h"',
        "int main(void) {",
    ]
    for cname, cls in STRUCTS.items():
        lines.append(f'printf("{cname} %zu\\n", sizeof(struct {cname}));')
        for field, *_ in cls._fields_:
            lines.append(f'printf("{cname}.{field} %zu\\n", offsetof(struct {cname}, {field}));')
    lines.append("return 0; }")
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run(["gcc", "-I", str(FENCE_DIR), "-o", str(exe), str(src)], check=True)
    c_layout = dict(
        line.split()
        for line in subprocess.run(
            [str(exe)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
    )
    for cname, cls in STRUCTS.items():
        assert int(c_layout[cname]) == ctypes.sizeof(cls), cname
        for field, *_ in cls._fields_:
            assert int(c_layout[f"{cname}.{field}"]) == getattr(cls, field).offset, (
                f"{cname}.{field}"
            )


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
def test_counter_index_matches_the_header(tmp_path):
    """abi.counter_index is HF_COUNTER_INDEX: Python reads the counters the programs write."""
    cases = [(s, r) for s in (0, 1) for r in (0, 1, 2, 254, 16383, abi.HF_DEFAULT_RULE)]
    src = tmp_path / "index.c"
    src.write_text(
        '#include <stdio.h>\n#include <linux/types.h>\n#include "fence_abi.h"\n'
        "int main(void) {\n"
        + "".join(f'printf("%u\\n", HF_COUNTER_INDEX({s}u, {r}u));\n' for s, r in cases)
        + "return 0; }\n"
    )
    exe = tmp_path / "index"
    subprocess.run(["gcc", "-I", str(FENCE_DIR), "-o", str(exe), str(src)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    assert [int(x) for x in out] == [abi.counter_index(s, r) for s, r in cases]
    # A map of counter_entries(n) holds rules 0..n-1 and the default, in both slots.
    n = 254
    indexes = {abi.counter_index(s, r) for s in (0, 1) for r in [*range(n), abi.HF_DEFAULT_RULE]}
    assert indexes == set(range(abi.counter_entries(n)))


# Every object the package ships, and every program in it with its SEC() (attach point).
PROGRAMS = {
    "fence_cgroup": {
        "hf_sock_create": "cgroup/sock_create",
        "hf_bind4": "cgroup/bind4",
        "hf_bind6": "cgroup/bind6",
        "hf_connect4": "cgroup/connect4",
        "hf_connect6": "cgroup/connect6",
        "hf_sendmsg4": "cgroup/sendmsg4",
        "hf_sendmsg6": "cgroup/sendmsg6",
    },
    "fence_lsm": dict(lsm.PROGRAMS),
    "probe_cgroup": {"hf_probe_sock_create": "cgroup/sock_create"},
    "probe_lsm": {"hf_probe_socket_create": "lsm/socket_create"},
    "watch": {
        "watch_enter": "tracepoint/syscalls/sys_enter_socket",
        "watch_exit": "tracepoint/syscalls/sys_exit_socket",
        "watch_pair_enter": "tracepoint/syscalls/sys_enter_socketpair",
        "watch_pair_exit": "tracepoint/syscalls/sys_exit_socketpair",
        "watch_compat_exit": "raw_tracepoint/sys_exit",
        "watch_uring_submit": "raw_tracepoint/io_uring_submit_req",
        "watch_uring_submit_sqe": "raw_tracepoint/io_uring_submit_sqe",
        "watch_uring_complete": "raw_tracepoint/io_uring_complete",
        "watch_post_create": "lsm/socket_post_create",
    },
}


def _programs(obj: Path) -> dict[str, str]:
    """Function symbols of a .bpf.o and the section each sits in (its SEC())."""
    with open(obj, "rb") as f:
        elf = ELFFile(f)
        return {
            sym.name: elf.get_section(sym["st_shndx"]).name
            for sym in elf.get_section_by_name(".symtab").iter_symbols()
            if sym["st_info"]["type"] == "STT_FUNC" and sym["st_info"]["bind"] == "STB_GLOBAL"
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> build.BuildResult:
    return build.build(out_dir=tmp_path_factory.mktemp("bpf") / "out")


def test_build_compiles_every_source_into_its_object(built):
    assert built.rebuilt and not built.errors
    assert sorted(built.objects) == sorted(PROGRAMS)
    assert {p.name.removesuffix(".bpf.c") for p in build.sources()} == set(PROGRAMS)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_object_has_each_of_its_programs_at_its_hook(built, name):
    assert _programs(built.objects[name]) == PROGRAMS[name]
    with open(built.objects[name], "rb") as f:
        sections = {s.name for s in ELFFile(f).iter_sections()}
    assert ".BTF" in sections and ".BTF.ext" in sections  # CO-RE relocations need them
    # And libbpf, which is what loads them, sees the same programs.
    with libbpf.BpfObject(built.objects[name]) as obj:
        assert sorted(obj.program_names()) == sorted(PROGRAMS[name])


def test_watch_sources_name_programs_the_object_has():
    for src in tracer.SOURCES.values():
        assert set(src.all_programs()) <= set(PROGRAMS["watch"]), src.name
    assert set(tracer.LSM_SOURCE.all_programs()) == set(PROGRAMS["watch"])


def test_unchanged_sources_are_reused_not_rebuilt(tmp_path):
    first = build.build(out_dir=tmp_path / "out")
    again = build.build(out_dir=tmp_path / "out")
    assert first.rebuilt and not again.rebuilt and again.objects == first.objects


def test_build_detects_stale_stamp(tmp_path):
    out = tmp_path / "out"
    build.build(out_dir=out)
    (out / f"fence_cgroup.{build.STAMP}").write_text("stale")
    again = build.build(out_dir=out)
    assert again.rebuilt and not again.errors


def test_one_broken_source_does_not_block_the_others(tmp_path, monkeypatch):
    broken = tmp_path / "broken.bpf.c"
    broken.write_text('#include "vmlinux.h"\nint oops(void) { return undeclared; }\n')
    real = build.sources()
    monkeypatch.setattr(build, "sources", lambda: [*real, broken])
    result = build.build(out_dir=tmp_path / "out")
    assert "broken" in result.errors and "undeclared" in result.errors["broken"]
    assert "fence_cgroup" in result.objects and result.objects["fence_cgroup"].exists()


def test_missing_clang_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    with pytest.raises(build.BuildError, match="clang not found"):
        build.build(out_dir=tmp_path / "out")


def test_vmlinux_h_is_in_the_repository_for_this_arch():
    header = build.vmlinux_h()
    assert header.is_file() and header in build.headers()
    text = header.read_text()
    assert "#ifndef __VMLINUX_H__" in text and "struct io_socket {" in text
    # Trimmed to what the programs read (bpftool gen min_core_btf), not the whole kernel.
    assert "struct task_struct {" in text and "struct sk_buff {" not in text


def test_missing_btf_for_vmlinux_h_is_a_clear_error(tmp_path):
    before = build.vmlinux_h().stat().st_mtime_ns
    with pytest.raises(build.BuildError, match="CONFIG_DEBUG_INFO_BTF"):
        build.generate_vmlinux_h(btf=tmp_path / "nope")
    assert build.vmlinux_h().stat().st_mtime_ns == before  # nothing was written


def test_run_time_only_finds_objects_and_never_runs_a_tool(tmp_path, monkeypatch):
    def no_tools(*args, **kwargs):
        raise AssertionError(f"run time ran {args[0]}")

    monkeypatch.setattr(build.subprocess, "run", no_tools)
    assert build.object_path("watch").name == "watch.bpf.o"
    monkeypatch.setenv("HOTFENCE_BPF_BUILD", str(tmp_path))
    with pytest.raises(build.BuildError, match=f"no BPF object {tmp_path}/watch.bpf.o"):
        build.object_path("watch")


# ---------------------------------------------------------------- mirrors against BTF

# (object, struct in its BTF, the ctypes class user space reads or writes it with)
MIRRORS = [
    ("fence_cgroup", "hf_create_key", abi.CreateKey),
    ("fence_cgroup", "hf_port_key", abi.PortKey),
    ("fence_cgroup", "hf_verdict", abi.VerdictValue),
    ("fence_cgroup", "hf_config", abi.Config),
    ("fence_cgroup", "hf_counter", abi.Counter),
    ("fence_cgroup", "hf_cg_counter_key", abi.CgCounterKey),
    ("fence_cgroup", "hf_stats", abi.Stats),
    ("fence_cgroup", "hf_event", abi.Event),
    ("fence_lsm", "hf_create_key", abi.CreateKey),
    ("fence_lsm", "hf_event", abi.Event),
    ("fence_lsm", "hf_lsm_scope", lsm.ScopeValue),
    ("watch", "watch_event", watch_abi.WatchEvent),
    ("watch", "watch_config", watch_abi.WatchConfig),
]


@pytest.mark.parametrize("obj_name,struct,mirror", MIRRORS, ids=[f"{o}:{s}" for o, s, _ in MIRRORS])
def test_ctypes_mirror_matches_the_object_btf(built, obj_name, struct, mirror):
    with Btf(built.objects[obj_name]) as btf:
        layout = btf.struct(struct)
    mine = ctypes_layout(mirror)
    assert (layout.size, layout.members) == (mine.size, mine.members), struct


def test_watch_rodata_is_exactly_the_config_user_space_writes(built):
    with Btf(built.objects["watch"]) as btf:
        rodata = btf.datasec(".rodata")
    assert [(m.name, m.offset, m.size) for m in rodata.members] == [
        ("watch_config", 0, ctypes.sizeof(watch_abi.WatchConfig))
    ]
    with libbpf.BpfObject(built.objects["watch"]) as obj:  # the map libbpf makes of it
        obj.set_initial_value(watch_abi.RODATA, bytes(watch_abi.WatchConfig(cgroup_id=1)))


def test_btf_layout_notices_a_wrong_mirror(built):
    class Shifted(ctypes.Structure):
        _fields_ = [("rule_id", ctypes.c_uint16), ("action", ctypes.c_uint32)]

    with Btf(built.objects["fence_cgroup"]) as btf:
        assert btf.struct("hf_verdict").members != ctypes_layout(Shifted).members
        with pytest.raises(KeyError, match="no BTF type 'nope'"):
            btf.struct("nope")


def test_event_decoding_round_trip():
    raw = bytes(
        abi.Event(
            cgroup_id=7,
            pid=11,
            tgid=10,
            uid=1000,
            netns=4026531840,
            rule_id=3,
            family=10,
            type=3,
            protocol=58,
            port=0,
            hook=0,
            verdict=abi.HF_EV_WOULD_DENY,
            kern=0,
            comm=b"curl",
        )
    )
    ev = abi.FenceEvent.from_bytes(raw)
    assert (ev.cgroup_id, ev.pid, ev.tgid, ev.uid, ev.rule_id) == (7, 11, 10, 1000, 3)
    assert (ev.family, ev.type, ev.protocol, ev.verdict, ev.comm) == (
        10,
        3,
        58,
        "would-deny",
        "curl",
    )
    with pytest.raises(ValueError, match="expected"):
        abi.FenceEvent.from_bytes(raw[:10])


def test_libbpf_errors_carry_errno_and_name_the_object(tmp_path):
    with pytest.raises(libbpf.LibbpfError) as info:
        libbpf.BpfObject(tmp_path / "missing.bpf.o")
    assert info.value.errno == errno.ENOENT and "missing.bpf.o" in str(info.value)
    with libbpf.BpfObject(build.object_path("fence_cgroup")) as obj:
        with pytest.raises(libbpf.LibbpfError, match="no program nope"):
            obj.program("nope")
        obj.set_max_entries("hf_events", 1 << 16)  # before load
        with pytest.raises(ValueError, match="holds"):
            obj.set_initial_value("hf_active", b"x")


def test_trimmed_vmlinux_h_adds_back_what_is_used_without_relocation():
    full = (
        "typedef unsigned short __u16;\n\ntypedef __u16 __be16;\n\ntypedef __u16 unused_t;\n\n"
        "enum {\n\tBPF_ANY = 0,\n\tBPF_NOEXIST = 1,\n};\n\n"
        "enum bpf_map_type {\n\tBPF_MAP_TYPE_UNSPEC = 0,\n\tBPF_MAP_TYPE_HASH = 1,\n};\n\n"
        "enum other {\n\tOTHER = 0,\n};\n\nstruct task_struct {\n\tint pid;\n};\n"
    )
    tail = "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n"
    minimal = "typedef unsigned short __u16;\n\nstruct task_struct {\n\tint pid;\n};\n\n" + tail
    out = build._trimmed(full, minimal)
    assert out.endswith(tail) and out.count("typedef unsigned short __u16;") == 1
    assert "typedef __u16 __be16;" in out and "BPF_ANY = 0" in out and "BPF_MAP_TYPE_HASH" in out
    assert "unused_t" not in out and "OTHER" not in out
    # The added declarations come after what they depend on and before the pragma pop.
    assert out.index("__be16") > out.index("typedef unsigned short __u16;")
    assert out.index("BPF_ANY") < out.index("#pragma clang attribute pop")
