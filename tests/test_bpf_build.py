"""The BPF build and the user-space mirror of bpf/common.h.

The struct layouts are checked by compiling common.h with gcc and printing sizeof /
offsetof, so a field added on one side only fails here rather than corrupting maps.
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

from hotfence.bpf import abi, build
from hotfence.fence import compiled

COMMON_H = Path(build.SOURCE_DIR) / "common.h"

STRUCTS = {
    "hf_create_key": abi.CreateKey,
    "hf_port_key": abi.PortKey,
    "hf_verdict": abi.VerdictValue,
    "hf_config": abi.Config,
    "hf_counter": abi.Counter,
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
        '#include "common.h"',
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
    subprocess.run(["gcc", "-I", str(build.SOURCE_DIR), "-o", str(exe), str(src)], check=True)
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


def test_build_produces_one_program_per_hook(tmp_path):
    result = build.build(out_dir=tmp_path / "out")
    assert result.rebuilt
    assert (tmp_path / "out" / "vmlinux.h").stat().st_size > 100_000
    with open(result.objects["fence_cgroup"], "rb") as f:
        elf = ELFFile(f)
        sections = {s.name for s in elf.iter_sections()}
        symbols = {s.name for s in elf.get_section_by_name(".symtab").iter_symbols()}
    for sec in (
        "cgroup/sock_create",
        "cgroup/bind4",
        "cgroup/bind6",
        "cgroup/connect4",
        "cgroup/connect6",
    ):
        assert sec in sections
    for prog in ("hf_sock_create", "hf_bind4", "hf_bind6", "hf_connect4", "hf_connect6"):
        assert prog in symbols
    assert ".BTF" in sections and ".BTF.ext" in sections  # CO-RE relocations need them
    # Unchanged sources: reused, not rebuilt.
    again = build.build(out_dir=tmp_path / "out")
    assert not again.rebuilt and again.objects == result.objects


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


def test_missing_btf_is_a_clear_error(tmp_path):
    with pytest.raises(build.BuildError, match="CONFIG_DEBUG_INFO_BTF"):
        build.build(btf=tmp_path / "nope", out_dir=tmp_path / "out")


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
    from hotfence.bpf import libbpf

    with pytest.raises(libbpf.LibbpfError) as info:
        libbpf.BpfObject(tmp_path / "missing.bpf.o")
    assert info.value.errno == errno.ENOENT and "missing.bpf.o" in str(info.value)
    with libbpf.BpfObject(build.object_path("fence_cgroup")) as obj:
        with pytest.raises(libbpf.LibbpfError, match="no program nope"):
            obj.program("nope")
        obj.set_max_entries("hf_events", 1 << 16)  # before load
        with pytest.raises(ValueError, match="holds"):
            obj.set_initial_value("hf_active", b"x")
