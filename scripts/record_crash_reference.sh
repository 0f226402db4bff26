#!/usr/bin/env bash
# Record crash 8.0.6's output on a lab vmcore as the reference tests/test_vmcore_crash.py
# compares hotfence with (issue 12).
#
#   scripts/record_crash_reference.sh CORE VMLINUX [OUT_DIR]
#
# Debian 12 packages crash 8.0.2, which cannot read 6.1.192's task list; trixie's 8.0.6
# needs trixie's glibc, so it runs in a trixie chroot (debootstrap --variant=minbase,
# made once under $HOTFENCE_CRASH_CHROOT, default ~/.cache/hotfence/crash-trixie). The
# core and the vmlinux are bind-mounted read-only into the chroot inside a private mount
# namespace (unshare -m), so nothing stays mounted when the script ends.
# OUT_DIR (default tests/data/crash-8.0.6/KIND for a core named KIND.vmcore, as the lab
# names them) gets one file per command and core.json: the
# sha256 of CORE, the vmlinux's GNU build id and crash's version, which the test checks
# before comparing. Needs root (debootstrap, chroot, mount).
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: $0 CORE VMLINUX [OUT_DIR]" >&2
    exit 2
fi
core=$(realpath "$1")
vmlinux=$(realpath "$2")
out=${3:-$(dirname "$0")/../tests/data/crash-8.0.6/$(basename "$core" .vmcore)}
root=${HOTFENCE_CRASH_CHROOT:-$HOME/.cache/hotfence/crash-trixie}
mirror=${HOTFENCE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
for f in "$core" "$vmlinux"; do
    [[ -f $f ]] || { echo "$0: $f: no such file" >&2; exit 1; }
done

if [[ ! -x $root/usr/bin/crash ]]; then
    command -v debootstrap >/dev/null || { echo "$0: apt-get install debootstrap" >&2; exit 1; }
    # build beside the final path and rename, so a half-made chroot is never used
    rm -rf "$root.tmp"
    debootstrap --variant=minbase --include=crash trixie "$root.tmp" "$mirror"
    mv "$root.tmp" "$root"
fi
version=$(chroot "$root" dpkg-query -W -f '${Version}' crash)

# the commands issue 12 names; "===" lines split the output per command
commands=("bt" "bt -l" "ps" "kmem -i" "log" "sys")
script=$(for c in "${commands[@]}"; do printf 'echo ===%s\n%s\n' "$c" "$c"; done; echo q)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$root/mnt/core"
touch "$root/mnt/core/vmcore" "$root/mnt/core/vmlinux"
printf '%s\n' "$script" >"$tmp/cmds"
unshare -m -- sh -c '
    set -e
    mount --make-rprivate /
    mount --bind -o ro "$1" "$3/mnt/core/vmcore"
    mount --bind -o ro "$2" "$3/mnt/core/vmlinux"
    chroot "$3" crash -s /mnt/core/vmlinux /mnt/core/vmcore
' sh "$core" "$vmlinux" "$root" <"$tmp/cmds" >"$tmp/out" 2>"$tmp/err" || {
    echo "$0: crash failed:" >&2
    tail -20 "$tmp/err" >&2
    exit 1
}

mkdir -p "$out"
rm -f "$out"/*.txt
awk -v dir="$out" '
    /^===/ { name = substr($0, 4); gsub(/ /, "", name); file = dir "/" name ".txt"; next }
    file { print > file }
' "$tmp/out"
for c in "${commands[@]}"; do
    [[ -s $out/${c// /}.txt ]] || { echo "$0: no output for '$c'" >&2; exit 1; }
done
build_id=$(readelf -n "$vmlinux" | awk '/Build ID/ { print $3; exit }')
cat >"$out/core.json" <<EOF
{
  "core_sha256": "$(sha256sum "$core" | cut -d' ' -f1)",
  "core_bytes": $(stat -c %s "$core"),
  "vmlinux": "$(basename "$vmlinux")",
  "vmlinux_build_id": "$build_id",
  "crash": "$version",
  "commands": [$(printf '"%s", ' "${commands[@]}" | sed 's/, $//')]
}
EOF
echo "recorded crash $version on $core into $out"
