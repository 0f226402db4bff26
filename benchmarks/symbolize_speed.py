"""How fast `--vmlinux` symbolisation is: index build and per-frame lookups.

Generates ``--units`` C files of ``--funcs`` functions each (every function with a
two-deep always_inline chain, so DWARF has many inlined subroutines), builds them with
`gcc -g -O2` into one ELF, then times:

- opening the ELF and indexing ``.symtab`` (done once per run of `hotfence triage`);
- the first lookup in a compile unit (parses that CU's DIEs and line program);
- further lookups (bisect in the cached per-CU index);

and checks a sample of answers against `addr2line -i` so the figure is for correct
output. Prints figures only.

    .venv/bin/python benchmarks/symbolize_speed.py [--units 20] [--funcs 150]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time

from hotfence.triage.symbolize import ElfDebugInfo

UNIT = """
struct obj{u} {{ long a, b; struct obj{u} *next; }};
static inline __attribute__((always_inline)) long get{u}(const struct obj{u} *o) {{ return *(volatile const long *)&o->b; }}
static inline __attribute__((always_inline)) long walk{u}(const struct obj{u} *o, long k) {{
    while (o && o->a != k) o = o->next;
    return get{u}(o);
}}
"""
FUNC = "__attribute__((noinline)) long f{u}_{i}(const struct obj{u} *o) {{ return walk{u}(o, {i}) + {i}; }}\n"


def build(tmp: str, units: int, funcs: int) -> str:
    srcs = []
    for u in range(units):
        path = os.path.join(tmp, f"u{u}.c")
        with open(path, "w") as fh:
            fh.write(UNIT.format(u=u))
            for i in range(funcs):
                fh.write(FUNC.format(u=u, i=i))
        srcs.append(path)
    with open(os.path.join(tmp, "main.c"), "w") as fh:
        fh.write("int main(void) { return 0; }\n")
    out = os.path.join(tmp, "vmlinux")
    subprocess.run(["gcc", "-g", "-O2", "-o", out, *srcs, os.path.join(tmp, "main.c")], check=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=20)
    ap.add_argument("--funcs", type=int, default=150)
    ap.add_argument("--lookups", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotfence-sym-") as tmp:
        t0 = time.perf_counter()
        path = build(tmp, args.units, args.funcs)
        print(
            f"built {os.path.getsize(path) / 1e6:.1f} MB ELF, {args.units} CUs x {args.funcs} "
            f"functions, in {time.perf_counter() - t0:.1f} s"
        )

        t0 = time.perf_counter()
        elf = ElfDebugInfo(path)
        t_open = time.perf_counter() - t0
        names = [n for n in elf.symbols_by_name if n.startswith("f")]
        rng = random.Random(1)
        frames = []
        for _ in range(args.lookups):
            sym = elf.symbols_by_name[rng.choice(names)][0]
            frames.append(sym.address + rng.randrange(max(sym.size, 1)))

        t0 = time.perf_counter()
        elf.locations(frames[0])
        t_first = time.perf_counter() - t0

        t0 = time.perf_counter()
        for a in frames:
            elf.locations(a)
        t_all = time.perf_counter() - t0  # includes parsing every other CU once
        t0 = time.perf_counter()
        for a in frames:
            elf.locations(a)
        t_warm = time.perf_counter() - t0

        sample = frames[:200]
        out = subprocess.run(
            ["addr2line", "-i", "-f", "-a", "-e", path, *map(hex, sample)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        ref: list[list[tuple[str, int]]] = []
        i = 0
        while i < len(out) - 1:
            if out[i].startswith("0x"):
                ref.append([])
                i += 1
                continue
            line = out[i + 1].split(" ")[0].rpartition(":")[2]
            ref[-1].append((out[i], int(line) if line.isdigit() else 0))
            i += 2
        agree = sum(
            [(loc.function, loc.line) for loc in elf.locations(a)] == r for a, r in zip(sample, ref)
        )

    print(
        f"open ELF + index .symtab ({sum(map(len, elf.symbols_by_name.values()))} symbols): {t_open * 1e3:.0f} ms"
    )
    print(f"first lookup (parses one CU):      {t_first * 1e3:.0f} ms")
    print(f"{len(frames)} lookups, cold ({args.units} CUs parsed): {t_all:.2f} s")
    print(
        f"{len(frames)} lookups, warm: {t_warm * 1e3:.0f} ms = {len(frames) / t_warm:.0f} frames/s"
    )
    print(f"agreement with addr2line -i on {len(sample)} addresses: {agree}/{len(sample)}")


if __name__ == "__main__":
    main()
