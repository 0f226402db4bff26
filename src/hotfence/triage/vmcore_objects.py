"""The kernel objects around a vmcore's crash: what the crashing function was given.

For a socket or network-namespace crash the first questions are which ``struct
socket``, ``struct sock`` and ``struct net`` were involved and what state they were
in. drgn reads each frame's parameters and locals from DWARF (where the compiler kept
them: a callee-saved register, the stack); the frames from the crash outwards are
searched for pointers to those structures, and the missing ones are derived from the
found ones (``sock->sk``, ``sk->sk_socket``, ``sock_net(sk)``).

The NULL pointer itself is found from the exception frame: the faulting instruction's
base register, traced back through the loads that produced it (``mov rax, [rbx +
0x18]``; ``mov rax, [rax + 0x2a8]``) to a register whose value at the fault is still
the one the first load used, then named through the object types (``sock->sk->
sk_user_data``) when that register held one of the objects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import capstone
from capstone import x86

if TYPE_CHECKING:
    import drgn

STRUCTS = {"socket": "socket", "sock": "sock", "net": "net"}  # struct tag -> kind
SEARCH_FRAMES = 16  # frames from the crash outwards searched for objects

# include/linux/socket.h and net.h: numbers the kernel keeps as #defines, not enums
AF_NAMES = {0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}  # fmt: skip
SOCK_TYPES = {1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 10: "SOCK_PACKET"}  # fmt: skip
CALLER_SAVED = frozenset({"rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11"})


@dataclass
class CrashObject:
    """One ``struct socket`` / ``sock`` / ``net`` near the crash, with its key fields."""

    kind: str  # socket, sock, net
    address: int
    source: str  # where it was found: "kernel_connect(sock)", or derived: "sock->sk"
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class NullPointer:
    """The pointer the faulting instruction dereferenced, and where its value came from."""

    register: str  # the faulting instruction's base register
    value: int  # its value at the fault
    displacement: int  # the faulting access is register + displacement
    path: str | None  # "sock->sk->sk_user_data" (None: not traced to a known object)
    loads: list[str] = field(default_factory=list)  # the instructions traced back


def _pointer_target_tag(obj: drgn.Object) -> str | None:
    import drgn

    t = obj.type_.unaliased()
    if t.kind != drgn.TypeKind.POINTER:
        return None
    target = t.type.unaliased()
    return target.tag if target.kind == drgn.TypeKind.STRUCT else None


def frame_objects(trace: list[drgn.StackFrame], start: int) -> dict[str, tuple[drgn.Object, str]]:
    """The first (nearest the crash) non-NULL pointer of each kind found among the
    locals of the frames from ``start`` outwards: kind -> (object, "func(name)")."""

    # drgn logs DWARF expressions it cannot evaluate (DW_OP_implicit_pointer in some
    # locals); those locals are simply unavailable here, not worth a warning.
    log = logging.getLogger("drgn")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return _frame_objects(trace, start)
    finally:
        log.setLevel(level)


def _frame_objects(trace: list[drgn.StackFrame], start: int) -> dict[str, tuple[drgn.Object, str]]:
    import drgn

    found: dict[str, tuple[drgn.Object, str]] = {}
    for frame in trace[start : start + SEARCH_FRAMES]:
        for name in frame.locals():
            try:
                obj = frame[name]
            except (KeyError, ValueError, LookupError, drgn.FaultError):
                continue
            if obj.absent_:
                continue
            tag = _pointer_target_tag(obj)
            kind = STRUCTS.get(tag or "")
            if kind is None or kind in found:
                continue
            try:
                if obj.value_() == 0:
                    continue
            except drgn.FaultError:
                continue
            found[kind] = (obj, f"{frame.name}({name})")
    return found


def _derive(found: dict[str, tuple[drgn.Object, str]]) -> None:
    """Fill in the kinds reachable from the found ones."""
    import drgn

    def add(kind: str, obj: drgn.Object, how: str) -> None:
        try:
            if kind not in found and obj.value_() != 0:
                found[kind] = (obj, how)
        except drgn.FaultError:
            pass

    if "socket" in found:
        add("sock", found["socket"][0].sk, "socket->sk")
    if "sock" in found:
        add("socket", found["sock"][0].sk_socket, "sk->sk_socket")
        add("net", found["sock"][0].__sk_common.skc_net.net, "sock_net(sk)")


def _symbol_name(prog: drgn.Program, address: int) -> str | None:
    try:
        return str(prog.symbol(address).name)
    except LookupError:
        return None


def _fields(kind: str, obj: drgn.Object) -> dict[str, Any]:
    import drgn

    prog = obj.prog_
    o = obj[0]
    try:
        if kind == "socket":
            return {
                "state": o.state.format_(type_name=False),
                "type": SOCK_TYPES.get(o.type.value_(), o.type.value_()),
                "flags": o.flags.value_(),
                "ops": _symbol_name(prog, o.ops.value_()),
                "sk": o.sk.value_(),
                "file": o.file.value_(),
            }
        if kind == "sock":
            fam = o.__sk_common.skc_family.value_()
            prot = o.__sk_common.skc_prot
            return {
                "family": AF_NAMES.get(fam, fam),
                "type": SOCK_TYPES.get(o.sk_type.value_(), o.sk_type.value_()),
                "protocol": o.sk_protocol.value_(),
                "kern": bool(o.sk_kern_sock.value_()),
                "prot": prot.name.string_().decode(errors="replace") if prot.value_() else None,
                "state": o.__sk_common.skc_state.value_(),
                "netns_inum": o.__sk_common.skc_net.net.ns.inum.value_(),
                "refcnt": o.__sk_common.skc_refcnt.refs.counter.value_(),
                "socket": o.sk_socket.value_(),
                "user_data": o.sk_user_data.value_(),
            }
        if kind == "net":
            return net_fields(o.address_of_())
    except drgn.FaultError as exc:
        return {"error": f"unreadable: {exc}"}
    return {}


def net_fields(net: drgn.Object) -> dict[str, Any]:
    """inum, reference counts, and whether the namespace is listed in
    ``net_namespace_list`` (setup_net adds it only after every pernet init ran)."""
    from drgn.helpers.linux.net import for_each_net

    prog = net.prog_
    listed = any(n.value_() == net.value_() for n in for_each_net(prog))
    return {
        "inum": net.ns.inum.value_(),
        "refcount": net.ns.count.refs.counter.value_(),
        "passive": net.passive.refs.counter.value_(),
        "listed": listed,
        "init_net": net.value_() == prog["init_net"].address_of_().value_(),
    }


def read_objects(
    trace: list[drgn.StackFrame], start: int
) -> tuple[list[CrashObject], dict[str, drgn.Object]]:
    """The objects around the crash, and the same as drgn objects by kind (for the shell)."""
    found = frame_objects(trace, start)
    _derive(found)
    out = [
        CrashObject(kind, obj.value_(), how, _fields(kind, obj))
        for kind in ("socket", "sock", "net")
        if kind in found
        for obj, how in [found[kind]]
    ]
    return out, {kind: obj for kind, (obj, _) in found.items()}


# -- the NULL pointer --------------------------------------------------------------------


def _member_at(t: drgn.Type, offset: int) -> tuple[str, drgn.Type] | None:
    """The (name, type) of the member of struct type ``t`` at byte ``offset``, looking
    into anonymous unions and structs."""
    import drgn

    t = t.unaliased()
    if t.kind not in (drgn.TypeKind.STRUCT, drgn.TypeKind.UNION):
        return None
    for m in t.members or ():
        if m.bit_offset is None or m.bit_offset % 8:
            continue
        start = m.bit_offset // 8
        mt = m.type.unaliased()
        if m.name is None:
            inner = _member_at(mt, offset - start) if offset >= start else None
            if inner is not None:
                return inner
            continue
        if start == offset:
            if mt.kind in (drgn.TypeKind.STRUCT, drgn.TypeKind.UNION):
                inner = _member_at(mt, 0)
                if inner is not None and inner[1].unaliased().kind == drgn.TypeKind.POINTER:
                    return f"{m.name}.{inner[0]}", inner[1]
            return m.name, m.type
        if mt.kind not in (drgn.TypeKind.STRUCT, drgn.TypeKind.UNION):
            continue
        if start < offset < start + (mt.size or 0):
            inner = _member_at(mt, offset - start)
            if inner is not None:
                return f"{m.name}.{inner[0]}", inner[1]
    return None


def _reg64(md: capstone.Cs, reg: int) -> str:
    """The 64-bit name of a general register (eax -> rax, r8d -> r8)."""
    name = md.reg_name(reg) or ""
    table = {"eax": "rax", "ebx": "rbx", "ecx": "rcx", "edx": "rdx", "esi": "rsi", "edi": "rdi", "ebp": "rbp", "esp": "rsp"}  # fmt: skip
    if name in table:
        return table[name]
    if name.startswith("r") and name[-1] in "dwb" and name[1:-1].isdigit():
        return name[:-1]
    return name


def _writes(md: capstone.Cs, insn: Any) -> set[str]:
    _, written = insn.regs_access()
    out = {_reg64(md, r) for r in written}
    if insn.mnemonic.startswith("call"):
        out |= CALLER_SAVED
    return out


def null_pointer(
    prog: drgn.Program,
    function_start: int,
    pc: int,
    registers: dict[str, int],
    objects: dict[str, drgn.Object],
) -> NullPointer | None:
    """The faulting access's base register traced back to a named object (see the
    module docstring). None when the faulting instruction has no memory operand with a
    base register near NULL (< one page)."""
    import drgn

    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.detail = True
    try:
        code = prog.read(function_start, pc - function_start + 16)
    except drgn.FaultError:
        return None
    insns = []
    for insn in md.disasm(code, function_start):
        insns.append(insn)
        if insn.address >= pc:
            break
    if not insns or insns[-1].address != pc:
        return None
    fault = insns[-1]
    mem = next((op.mem for op in fault.operands if op.type == x86.X86_OP_MEM), None)
    if mem is None or mem.base == 0:
        return None
    base = _reg64(md, mem.base)
    value = registers.get(base)
    if value is None or value >= 4096:
        return None
    # Walk back: each load "mov want, qword ptr [b + d]" moves the question to b.
    want, chain, loads = base, [], []
    root_index = len(insns) - 1
    for i in range(len(insns) - 2, -1, -1):
        insn = insns[i]
        if want not in _writes(md, insn):
            continue
        ops = insn.operands
        if (
            insn.mnemonic == "mov"
            and len(ops) == 2
            and ops[1].type == x86.X86_OP_MEM
            and ops[1].mem.base != 0
            and ops[1].mem.index == 0
            and ops[1].size == 8
        ):
            chain.append(ops[1].mem.disp)
            loads.append(f"{insn.address:#x}: {insn.mnemonic} {insn.op_str}")
            want, root_index = _reg64(md, ops[1].mem.base), i
            continue
        break
    if not chain:
        return NullPointer(base, value, mem.disp, None, [])
    disps, loads = chain[::-1], loads[::-1]
    # The root register names the start only if it still holds, at the fault, what the
    # first load used; otherwise (a pop, a call in between) an object found in the
    # frames is tried as the start, and kept only if the loads from it give the value.
    intact = want in registers and not any(
        want in _writes(md, insn) for insn in insns[root_index:-1]
    )
    starts = ([(registers[want], want)] if intact else []) + [
        (obj.value_(), kind) for kind, obj in objects.items()
    ]
    for root, label in starts:
        if _follow(prog, root, disps) != value:
            continue
        path = _name_path(objects, root, disps)
        if path is None and label == want:
            path = _raw_path(want, disps)
        if path is not None:
            return NullPointer(base, value, mem.disp, path, loads)
    return NullPointer(base, value, mem.disp, None, loads)


def _follow(prog: drgn.Program, root: int, disps: list[int]) -> int | None:
    import drgn

    v = root
    try:
        for d in disps:
            v = prog.read_u64(v + d)
    except drgn.FaultError:
        return None
    return v


def _raw_path(reg: str, disps: list[int]) -> str:
    expr = reg
    for d in disps:
        expr = f"*({expr} + {d:#x})"
    return expr


def _name_path(objects: dict[str, drgn.Object], root: int, disps: list[int]) -> str | None:
    import drgn

    for kind, obj in objects.items():
        if obj.value_() != root:
            continue
        expr, t = {"socket": "sock", "sock": "sk", "net": "net"}[kind], obj.type_.unaliased().type
        for d in disps:
            hit = _member_at(t, d)
            if hit is None:
                return None
            name, mt = hit
            expr = f"{expr}->{name}"
            mt = mt.unaliased()
            t = mt.type if mt.kind == drgn.TypeKind.POINTER else mt
        return expr
    return None
