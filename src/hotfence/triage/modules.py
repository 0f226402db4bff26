"""The loaded modules a report lists: ``print_modules()``'s line.

kernel/module/main.c (kernel/module.c before v5.19) prints, with every oops, WARNING,
soft lockup and bad-page report::

    Modules linked in: veth nvidia(POE) zfs(PO) ... [last unloaded: ipmi_si(E)]

each module as ``pr_cont(" %s%s", mod->name, module_flags(...))``: the name, then in
brackets the taint letters it brought and ``+`` / ``-`` while it loads or unloads. The
last unloaded module comes in square brackets (newer kernels add its taints the same
way). Kernels with CONFIG_MODULE_UNLOAD_TAINT_TRACKING (kernel/module/tracking.c) may
print ``Unloaded tainted modules: a(P):1 ...`` after the list, a record of its own. A
console that splits a long list carries the rest on lines that start with the space
printed before the next name, without the heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = "Modules linked in:"
# A module as print_modules() prints it: its name (what module names are made of) and
# module_flags()'s taint letters and load-state marks.
_MODULE = r"([\w-]+)(?:\(([A-Z+\-]+)\))?"
_MODULE_RE = re.compile(_MODULE)
_LAST_RE = re.compile(rf"\[last unloaded: {_MODULE}\]")
# A line that goes on with the list: the space pr_cont() put before a name, then names.
_GOES_ON_RE = re.compile(rf" {_MODULE}(?: {_MODULE})*(?: \[last unloaded: [^\]]*\])?$")


@dataclass
class Modules:
    names: list[str] = field(default_factory=list)
    tainting: list[str] = field(default_factory=list)  # "name(FLAGS)" of modules with flags
    last_unloaded: str | None = None


def linked_modules(texts: list[str]) -> Modules | None:
    """The modules of the first ``Modules linked in:`` line of ``texts`` (a report's
    lines, prefixes stripped), with the lines it goes on on; None when there is none."""
    for i, t in enumerate(texts):
        at = t.find(_HEADING)
        if at < 0:
            continue
        listed = t[at + len(_HEADING) :]
        for more in texts[i + 1 :]:
            if not _GOES_ON_RE.match(more) or "[last unloaded:" in listed:
                break
            listed += more
        return _read(listed)
    return None


def _read(listed: str) -> Modules:
    out = Modules()
    last = _LAST_RE.search(listed)
    if last is not None:
        out.last_unloaded = last.group(1)
        listed = listed[: last.start()]
    for token in listed.split():
        m = _MODULE_RE.fullmatch(token)
        if m is None:
            break  # not a module list any more (a line run into it)
        out.names.append(m.group(1))
        if m.group(2):
            out.tainting.append(token)
    return out
