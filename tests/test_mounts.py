"""hotfence.linux.mounts: the mount table is kept, and read again only after a change."""

from __future__ import annotations

import os
import subprocess

import pytest

from hotfence.linux import mounts


@pytest.fixture
def mountpoint(tmp_path):
    where = tmp_path / "mnt with space"
    where.mkdir()
    yield where
    subprocess.run(["umount", str(where)], capture_output=True, check=False)


def _mount_tmpfs(where) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "hf-test", str(where)], check=True)


def test_a_mount_and_its_removal_are_seen(mountpoint):
    assert str(mountpoint) not in mounts.mounted("tmpfs")
    _mount_tmpfs(mountpoint)
    # The escaped "\\040" of /proc/self/mounts comes back as the space it is.
    assert str(mountpoint) in mounts.mounted("tmpfs")
    subprocess.run(["umount", str(mountpoint)], check=True)
    assert str(mountpoint) not in mounts.mounted("tmpfs")


def test_the_table_is_not_read_again_while_nothing_changed(monkeypatch):
    mounts.mounts()  # opened and read
    reads = []
    real = mounts._Table._read

    def counting(self):
        reads.append(1)
        return real(self)

    monkeypatch.setattr(mounts._Table, "_read", counting)
    for _ in range(5):
        assert mounts.mounted("cgroup2")
    assert reads == []


def test_a_forked_child_reads_its_own_table(mountpoint):
    mounts.mounts()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a change after the fork is seen by its own file
        try:
            os.close(r)
            _mount_tmpfs(mountpoint)
            os.write(w, b"1" if str(mountpoint) in mounts.mounted("tmpfs") else b"0")
        finally:
            os._exit(0)
    os.close(w)
    seen = os.read(r, 1)
    os.waitpid(pid, 0)
    os.close(r)
    assert seen == b"1"
    assert str(mountpoint) in mounts.mounted("tmpfs")


def test_parse_unescapes_mount_points():
    text = "hf /a\\040b tmpfs rw 0 0\nshort line\ncgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
    assert mounts.parse(text) == (
        mounts.Mount("/a b", "tmpfs"),
        mounts.Mount("/sys/fs/cgroup", "cgroup2"),
    )
