"""Demangle Rust "v0" symbols (``_RNv...``) as printed in kernel stack traces.

Rust-for-Linux code (e.g. the binder and ashmem drivers) shows up in call traces as v0
mangled names such as ``_RNvMs3_NtCs1234_11rust_binder7processNtB5_7Process10update_ref``;
titles need the readable path ``<rust_binder::process::Process>::update_ref`` and skip lists
match on it. This covers the grammar of the v0 scheme (rustc's ``symbol-mangling-version=v0``,
documented in the Rust reference "Symbol name mangling / v0") needed for paths: crate roots,
nested paths, inherent and trait impls, generic arguments, back-references and the common
types. Anything else is returned unchanged rather than guessed.
"""

from __future__ import annotations

_BASIC_TYPES = {
    "a": "i8",
    "b": "bool",
    "c": "char",
    "d": "f64",
    "e": "str",
    "f": "f32",
    "h": "u8",
    "i": "isize",
    "j": "usize",
    "l": "i32",
    "m": "u32",
    "n": "i128",
    "o": "u128",
    "s": "i16",
    "t": "u16",
    "u": "()",
    "v": "...",
    "x": "i64",
    "y": "u64",
    "z": "!",
    "p": "_",
}
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Invalid(Exception):
    pass


class _Parser:
    def __init__(self, s: str) -> None:
        self.s = s  # the symbol without "_R"
        self.i = 0
        self.depth = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def next(self) -> str:
        if self.i >= len(self.s):
            raise _Invalid("unexpected end")
        c = self.s[self.i]
        self.i += 1
        return c

    def eat(self, c: str) -> bool:
        if self.peek() == c:
            self.i += 1
            return True
        return False

    def base62(self) -> int:
        if self.eat("_"):
            return 0
        value = 0
        while True:
            c = self.next()
            if c == "_":
                return value + 1
            idx = _B62.find(c)
            if idx < 0:
                raise _Invalid("bad base-62 digit")
            value = value * 62 + idx

    def disambiguator(self) -> None:
        if self.eat("s"):
            self.base62()

    def decimal(self) -> int:
        start = self.i
        while self.peek().isdigit():
            self.i += 1
        if start == self.i:
            raise _Invalid("number expected")
        return int(self.s[start : self.i])

    def ident(self) -> str:
        self.disambiguator()
        punycode = self.eat("u")
        n = self.decimal()
        self.eat("_")  # separator before identifiers starting with a digit or '_'
        if self.i + n > len(self.s):
            raise _Invalid("identifier overruns the symbol")
        name = self.s[self.i : self.i + n]
        self.i += n
        return f"{{punycode:{name}}}" if punycode else name

    def backref(self, what: str) -> str:
        pos = self.base62()
        if pos >= self.i - 1:
            raise _Invalid("forward back-reference")
        saved, self.i = self.i, pos
        try:
            return self.type_() if what == "type" else self.path()
        finally:
            self.i = saved

    def path(self) -> str:
        self.depth += 1
        if self.depth > 64:
            raise _Invalid("too deep")
        try:
            c = self.next()
            if c == "C":
                return self.ident()
            if c == "M":
                self.disambiguator()
                self.path()  # the impl's module path is not shown
                return f"<{self.type_()}>"
            if c == "X":
                self.disambiguator()
                self.path()
                ty = self.type_()
                return f"<{ty} as {self.path()}>"
            if c == "Y":
                ty = self.type_()
                return f"<{ty} as {self.path()}>"
            if c == "N":
                ns = self.next()
                prefix = self.path()
                name = self.ident()
                if ns == "C":
                    return f"{prefix}::{{closure}}" if not name else f"{prefix}::{{closure:{name}}}"
                if ns.isupper():
                    return f"{prefix}::{{{ns}:{name}}}"
                return f"{prefix}::{name}"
            if c == "I":
                base = self.path()
                args = []
                while not self.eat("E"):
                    args.append(self.generic_arg())
                return f"{base}::<{', '.join(args)}>"
            if c == "B":
                return self.backref("path")
            raise _Invalid(f"path tag {c!r}")
        finally:
            self.depth -= 1

    def generic_arg(self) -> str:
        if self.eat("L"):
            self.base62()
            return "'_"
        if self.eat("K"):
            raise _Invalid("const generics are not rendered")
        return self.type_()

    def type_(self) -> str:
        c = self.peek()
        if c in _BASIC_TYPES:
            self.i += 1
            return _BASIC_TYPES[c]
        if c in "CMXYNI":
            return self.path()
        self.i += 1
        if c == "B":
            return self.backref("type")
        if c == "A":
            raise _Invalid("arrays carry consts")
        if c == "S":
            return f"[{self.type_()}]"
        if c == "T":
            items = []
            while not self.eat("E"):
                items.append(self.type_())
            return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
        if c in "RQ":
            if self.eat("L"):
                self.base62()
            return ("&" if c == "R" else "&mut ") + self.type_()
        if c in "PO":
            return ("*const " if c == "P" else "*mut ") + self.type_()
        raise _Invalid(f"type tag {c!r}")


def demangle(symbol: str) -> str:
    """``_RNv...`` -> readable path; any other or unsupported name is returned as is."""
    if not symbol.startswith("_R"):
        return symbol
    body = symbol[2:]
    # An optional encoding-version number precedes the path.
    start = 0
    while start < len(body) and body[start].isdigit():
        start += 1
    p = _Parser(body[start:])
    try:
        out = p.path()
    except (_Invalid, RecursionError, IndexError, ValueError):
        return symbol
    # Whatever follows (instantiating crate, vendor suffix such as ".llvm.123") is dropped.
    return out
