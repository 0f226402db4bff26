"""The fence objects load against their cut of the kernel's BTF (hotfence.bpf.corebtf),
with exactly the code a load against the whole BTF gives, and without bpftool as before."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from hotfence.bpf import build, corebtf, libbpf
from hotfence.fence.backends.lifecycle import load_object
from hotfence.fence.backends.maps import map_sizes

OBJECTS = ["fence_cgroup", "fence_lsm"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    monkeypatch.setattr(corebtf, "_made", {})
    return tmp_path / "state" / "core-btf"


def _tags(obj: libbpf.BpfObject) -> dict[str, bytes]:
    """Each program's tag (a hash of its instructions as loaded, map references aside)."""
    out = {}
    for name in obj.program_names():
        fd = libbpf._lib.bpf_program__fd(obj.program(name)._ptr)
        info = ctypes.create_string_buffer(256)  # struct bpf_prog_info: type, id, tag[8]
        size = ctypes.c_uint32(len(info))
        assert libbpf._lib.bpf_obj_get_info_by_fd(fd, info, ctypes.byref(size)) == 0
        out[name] = info.raw[8:16]
    return out


def _open(path: Path, core: Path | None) -> libbpf.BpfObject:
    obj = libbpf.BpfObject(path, core)
    for name, entries in map_sizes(None).items():
        obj.set_max_entries(name, entries)
    return obj


def test_cut_is_small_cached_and_per_object(private_cache):
    path = build.object_path("fence_cgroup")
    cut = corebtf.core_btf(path)
    assert cut is not None and cut.parent == private_cache
    # task_struct -> nsproxy -> net -> ns.inum and the context structs: a few types.
    assert 0 < cut.stat().st_size < corebtf.VMLINUX_BTF.stat().st_size // 1000
    stamp = cut.stat().st_mtime_ns
    corebtf._made.clear()
    assert corebtf.core_btf(path) == cut and cut.stat().st_mtime_ns == stamp  # reused
    other = corebtf.core_btf(build.object_path("fence_lsm"))
    assert other is not None and other != cut


def test_cut_relocates_exactly_as_the_full_btf():
    # The cgroup object loads here; the LSM one needs BPF-LSM (the lab guest), so only
    # its relocation against the cut is checked, by opening it.
    path = build.object_path("fence_cgroup")
    cut = corebtf.core_btf(path)
    assert cut is not None
    with _open(path, None) as full, _open(path, cut) as small:
        full.load()
        small.load()
        tags = _tags(full)
        assert tags and _tags(small) == tags


def test_without_bpftool_objects_load_with_the_full_btf(monkeypatch, private_cache, caplog):
    monkeypatch.setattr(corebtf, "_bpftool", lambda: None)
    path = build.object_path("fence_cgroup")
    assert corebtf.core_btf(path) is None
    load_object(path, map_sizes(None)).close()
    assert not private_cache.exists()


def test_a_failing_bpftool_is_logged_and_leaves_no_file(monkeypatch, private_cache, caplog):
    monkeypatch.setattr(corebtf, "_bpftool", lambda: "/bin/false")
    path = build.object_path("fence_cgroup")
    assert corebtf.core_btf(path) is None
    assert "min_core_btf fence_cgroup.bpf.o" in caplog.text
    assert os.listdir(private_cache) == []  # its temporary file removed
    load_object(path, map_sizes(None)).close()
