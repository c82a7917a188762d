#!/usr/bin/env python3
"""Differential test of the PythonPackaging module against PyPA `packaging` (26.2).

Generates many inputs from a fixed seed (names, versions in odd spellings, specifiers and specifier
sets, wheel file names, platform tags, interpreter environments, environment markers valid and
malformed), sends them as JSON lines to `debug eval` (see --eval-cmd; --ops runs only some ops),
computes packaging's answer for each, and compares.

Prints `differential: N compared, M differences`, then the first differences; exits 1 on any
difference (2 when the eval command itself fails).

Conventions of the Swift side that this script mirrors:
- version/build numbers beyond a signed 64-bit integer come back as decimal digit strings; the
  expected values are converted the same way before comparing;
- `specifier.*` ops parse a SpecifierSet unless `"kind": "specifier"`;
- `platforms.expand` describes a *system*: packaging's own functions are called with the glibc /
  musl version patched in and its ELF/`_manylinux`-module checks of the running interpreter
  disabled (see `expected_platforms`).

Deliberately not generated (documented divergences, each also in the Swift doc comments):
- numbers with more than 4300 digits: CPython's int() refuses them (ValueError that is not
  InvalidVersion); Swift accepts them and compares digit strings;
- non-ASCII letters inside `~=` clauses: packaging's specifier regex matches that branch with
  Unicode IGNORECASE (so `~=1.0.po\u017ft1` passes validation) and then fails an assertion when
  the clause is used; Swift rejects the clause as invalid;
- empty platform lists in environments: packaging then uses the *running* system's platforms.

Markers (`marker.evaluate`): packaging's `Marker(text)` and, for each requested extra (or `""`),
`Marker.evaluate(env | {"extra": e, "extras": frozenset(extras), "dependency_groups": …})`; the
result is true when one evaluation is (pip's rule), and `UndefinedComparison` (or the assertion a
set variable on the left trips) is `"undefined": true`. A rejected marker's column is compared for
`InvalidMarker` (`span[1] + 1`); a quoted string `ast.literal_eval` refuses is only "not valid".
Documented divergences (see `Marker` in Sources/PythonPackaging/Marker.swift), checked as Swift
behaves or not compared:
- `\\N{…}` escapes and escapes that yield surrogates: packaging decodes them, Swift rejects the
  marker (expected: not valid);
- more than 100 nested parentheses: Swift rejects (expected: not valid);
- `extra == "Name"` inside parentheses: packaging does not normalize the name there (PEP 685 says
  it must), Swift does: the result and canonical form are not compared when such a name is not
  already normalized;
- two quoted strings (`"a" == "b"`: packaging looks the right one up as a variable) and two
  variables (`os_name == sys_platform`: packaging compares with the variable's name; Swift calls
  it undefined): results not compared, and the canonical form not for two variables;
- canonical forms of strings containing `"`, `\\`, a line break or NUL: Swift quotes and escapes
  them so they parse back (packaging writes `"{value}"` as is): not compared;
- canonical forms with a group inside two pairs of parentheses within a longer expression:
  packaging's `str()` drops both pairs (`a and ((b or c))` becomes `a and b or c`, another
  marker), Swift keeps one: not compared.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import subprocess
import sys
import urllib.parse

import packaging
from packaging import _manylinux, _musllinux, tags
from packaging.markers import InvalidMarker, Marker, UndefinedComparison
from packaging._parser import Value, Variable, parse_marker
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    is_normalized_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

INT64_MAX = 2**63 - 1


def jnum(n: int):
    return n if n <= INT64_MAX else str(n)


# ---------------------------------------------------------------------------------------------
# Generators


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def case(self, s: str) -> str:
        mode = self.r.random()
        if mode < 0.6:
            return s
        if mode < 0.8:
            return s.upper()
        return "".join(c.upper() if self.chance(0.5) else c for c in s)

    def number(self) -> str:
        x = self.r.random()
        if x < 0.55:
            n = str(self.r.randint(0, 12))
        elif x < 0.8:
            n = str(self.r.randint(0, 3000))
        elif x < 0.9:
            n = "0" * self.r.randint(1, 3) + str(self.r.randint(0, 99))
        elif x < 0.97:
            n = str(self.r.randint(0, 10**self.r.randint(10, 25)))
        else:
            # Beyond 64 bits, well below CPython's 4300-digit int() limit.
            n = str(self.r.randint(10**18, 10**self.r.randint(19, 60)))
        return n

    def sep(self, allow_empty=True) -> str:
        return self.pick(["", ".", "-", "_"] if allow_empty else [".", "-", "_"])

    def space(self) -> str:
        if self.chance(0.85):
            return ""
        return "".join(self.pick([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85"])
                       for _ in range(self.r.randint(1, 2)))

    def version(self, *, valid_bias=0.85, local=True, pre=True, post=True, dev=True) -> str:
        parts = []
        if self.chance(0.1):
            parts.append(self.pick(["v", "V"]))
        if self.chance(0.1):
            parts.append(self.number() + "!")
        parts.append(".".join(self.number() for _ in range(self.r.choices([1, 2, 3, 4, 5], [3, 5, 5, 2, 1])[0])))
        if pre and self.chance(0.3):
            label = self.pick(["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"])
            parts.append(self.sep() + self.case(label) + (self.sep() if self.chance(0.3) else "")
                         + (self.number() if self.chance(0.8) else ""))
        if post and self.chance(0.25):
            if self.chance(0.25):
                parts.append("-" + self.number())
            else:
                label = self.pick(["post", "rev", "r"])
                parts.append(self.sep() + self.case(label) + (self.sep() if self.chance(0.3) else "")
                             + (self.number() if self.chance(0.8) else ""))
        if dev and self.chance(0.25):
            parts.append(self.sep() + self.case("dev") + (self.sep() if self.chance(0.3) else "")
                         + (self.number() if self.chance(0.8) else ""))
        if local and self.chance(0.2):
            segs = [self.pick([self.number(), self.case(self.word()), self.word() + self.number()])
                    for _ in range(self.r.randint(1, 3))]
            text = segs[0]
            for s in segs[1:]:
                text += self.sep(allow_empty=False) + s
            parts.append("+" + text)
        v = "".join(parts)
        if not self.chance(valid_bias):
            v = self.mutate(v)
        return self.space() + v + self.space()

    def word(self) -> str:
        return "".join(self.pick("abcdefghijklmnopqrstuvwxyz") for _ in range(self.r.randint(1, 6)))

    def mutate(self, s: str) -> str:
        chars = list(s)
        for _ in range(self.r.randint(1, 3)):
            op = self.r.random()
            junk = self.pick(list(".-_+!*abcdevprost0123456789 é,;=<>~") + ["\u0130", "\u017f", "\u212a"])
            if op < 0.4 and chars:
                del chars[self.r.randrange(len(chars))]
            elif op < 0.8:
                chars.insert(self.r.randint(0, len(chars)), junk)
            elif chars:
                chars[self.r.randrange(len(chars))] = junk
        return "".join(chars)

    def name(self) -> str:
        alphabet = "abcXYZ019-_. " + "é\u03a3\u0130\u212a\u00df"
        weights = [5] * 9 + [4, 4, 4, 1] + [1] * 5
        n = self.r.randint(0, 14)
        return "".join(self.r.choices(alphabet, weights)[0] for _ in range(n))

    def specifier_clause(self) -> str:
        op = self.r.choices(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "~", ""],
                            [6, 3, 3, 5, 3, 3, 4, 1, 0.3, 0.3, 0.3])[0]
        if op == "===":
            arb = self.pick([self.version(), self.word(), "foo bar", "1.0;x", "1.0)", "", self.version().upper()])
            return self.space() + op + self.pick(["", " "]) + arb + self.space()
        version = self.version(local=op in ("==", "!=") or self.chance(0.1), valid_bias=0.93).strip()
        if op in ("==", "!=") and self.chance(0.25):
            rel = ".".join(self.number() for _ in range(self.r.randint(1, 3)))
            version = (self.pick(["", "v"]) if self.chance(0.2) else "") + rel + ".*"
            if self.chance(0.05):
                version = self.version().strip() + ".*"
        return self.space() + op + self.pick(["", "", " "]) + version + self.space()

    def specifier_set(self) -> str:
        n = self.r.choices([0, 1, 2, 3, 4], [1, 6, 5, 2, 1])[0]
        clauses = [self.specifier_clause() for _ in range(n)]
        if self.chance(0.05):
            clauses.insert(self.r.randint(0, len(clauses)), self.pick(["", " "]))
        return ",".join(clauses)

    def related_version(self, spec: str) -> str:
        """A candidate near the versions mentioned in `spec`, so that matches are common."""
        import re

        nums = re.findall(r"[0-9]+(?:\.[0-9]+)*", spec)
        if nums and self.chance(0.75):
            base = [int(x) for x in self.pick(nums).split(".")[:4]]
            if self.chance(0.5) and base:
                i = self.r.randrange(len(base))
                base[i] = max(0, base[i] + self.pick([-1, 0, 1]))
            if self.chance(0.3):
                base.append(0)
            v = ".".join(map(str, base))
            if self.chance(0.4):
                v += self.pick(["a1", "b2", "rc1", ".dev0", ".post1", ".post1.dev2", "a1.post1", "+local.1", "+1",
                                ".0", "rc1+x"])
            return v
        return self.version(valid_bias=0.95)

    def wheel_tagset(self) -> str:
        interp = [self.pick(["py2", "py3", "cp311", "cp39", "pp310", "py310", "PY3", "cp313"]) for _ in range(self.r.randint(1, 2))]
        abi = [self.pick(["none", "abi3", "cp311", "cp313t", "pypy310_pp73", "cp39"]) for _ in range(self.r.randint(1, 2))]
        plat = [self.pick(["any", "linux_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
                           "macosx_11_0_arm64", "win_amd64", "musllinux_1_1_x86_64", "Win32", ""])
                for _ in range(self.r.randint(1, 3))]
        return ".".join(interp) + "-" + ".".join(abi) + "-" + ".".join(plat)

    def wheel_filename(self) -> str:
        name = self.pick(["foo", "Foo_Bar", "foo.bar", "torch", "a", "", "foo__bar", "é", "x-y", "name\n", "zope.interface"])
        version = self.version(valid_bias=0.93).strip() if self.chance(0.9) else self.version()
        parts = [name, version]
        if self.chance(0.25):
            parts.append(self.pick([self.number(), self.number() + self.word(), self.word(), "1_a", "", "12\nx"]))
        parts.append(self.wheel_tagset())
        f = "-".join(parts) + self.pick([".whl"] * 12 + [".WHL", ".zip", "", ".whl "])
        if not self.chance(0.9):
            f = self.mutate(f)
        return f

    def linux_platform(self) -> str:
        arch = self.pick(["x86_64", "i686", "aarch64", "armv7l", "armv8l", "ppc64le", "s390x", "riscv64"])
        kind = self.r.random()
        if kind < 0.5:
            return f"manylinux_{self.pick([1, 2, 2, 2, 2, 3])}_{self.r.randint(0, 45)}_{arch}"
        if kind < 0.6:
            return f"{self.pick(['manylinux1', 'manylinux2010', 'manylinux2014'])}_{arch}"
        if kind < 0.85:
            return f"musllinux_{self.pick([1, 1, 2])}_{self.r.randint(0, 5)}_{arch}"
        return f"linux_{arch}"

    def platform(self) -> str:
        kind = self.r.random()
        if kind < 0.45:
            return self.linux_platform()
        if kind < 0.75:
            arch = self.pick(["x86_64", "arm64", "i386", "ppc", "ppc64", "universal2", "intel", "universal"])
            major = self.pick([10, 10, 11, 12, 13, 14, 15, 16, 26])
            minor = self.r.randint(0, 16) if major == 10 else self.r.randint(0, 6)
            return f"macosx_{major}_{minor}_{arch}"
        if kind < 0.82:
            return f"ios_{self.r.randint(10, 18)}_{self.r.randint(0, 6)}_{self.pick(['arm64_iphoneos', 'x86_64_iphonesimulator'])}"
        if kind < 0.9:
            return f"android_{self.r.randint(10, 35)}_{self.pick(['arm64_v8a', 'x86_64', 'armeabi_v7a'])}"
        return self.pick(["win_amd64", "win32", "win_arm64", "any", "linux", "manylinux_x_y_z", "macosx_a_0_arm64",
                          "cygwin_3_5_x86_64"])

    def environment(self) -> dict:
        plats = expected_platforms(self.platform())[: self.r.randint(1, 6)] or ["any"]
        if self.chance(0.2):
            plats = plats + expected_platforms(self.platform())[:3]
        impl = self.r.choices(["cpython", "pypy", "other"], [8, 2, 1])[0]
        if impl == "cpython":
            pv = self.pick([[3, 11], [3, 13], [3, 12], [3, 8], [3, 7], [3, 2], [3, 1], [3, 0], [2, 7], [3], [4, 0],
                            [3, 14], [3, 11, 4], [3, 15]])
            nodot = "".join(map(str, pv[:2]))
            abis = self.pick([[f"cp{nodot}"], [f"cp{nodot}t"], [f"cp{nodot}m"], [f"cp{nodot}d", f"cp{nodot}"],
                              [f"cp{nodot}", "abi3"], ["abi3", "none", f"cp{nodot}"], [], [f"cp{nodot}", f"cp{nodot}"],
                              ["CP313T"]])
            interp = f"cp{nodot}" if self.chance(0.9) else self.pick(["cp3", "CP311", ""])
        else:
            pv = self.pick([[3, 10], [3, 9], [3, 11]])
            nodot = "".join(map(str, pv))
            abis = self.pick([[f"pypy{nodot}_pp73"], [], ["none"], ["graalpy311_native"]])
            interp = f"pp{nodot}" if impl == "pypy" else self.pick(["graalpy311", "ip27"])
        return {"implementation": impl, "interpreter": interp, "pythonVersion": pv, "abis": abis, "platforms": plats}


# ---------------------------------------------------------------------------------------------
# Markers

MARKER_ENVIRONMENTS = [
    {"implementation_name": "cpython", "implementation_version": "3.11.4", "os_name": "posix",
     "platform_machine": "x86_64", "platform_release": "6.1.0-13-amd64", "platform_system": "Linux",
     "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)", "python_full_version": "3.11.4",
     "platform_python_implementation": "CPython", "python_version": "3.11", "sys_platform": "linux"},
    {"implementation_name": "cpython", "implementation_version": "3.13.0rc1", "os_name": "posix",
     "platform_machine": "arm64", "platform_release": "23.1.0", "platform_system": "Darwin",
     "platform_version": "Darwin Kernel Version 23.1.0: Mon Oct  9 21:27:24 PDT 2023", "python_full_version": "3.13.0rc1",
     "platform_python_implementation": "CPython", "python_version": "3.13", "sys_platform": "darwin"},
    {"implementation_name": "cpython", "implementation_version": "3.8.10", "os_name": "nt",
     "platform_machine": "AMD64", "platform_release": "10", "platform_system": "Windows",
     "platform_version": "10.0.22631", "python_full_version": "3.8.10",
     "platform_python_implementation": "CPython", "python_version": "3.8", "sys_platform": "win32"},
    {"implementation_name": "pypy", "implementation_version": "7.3.16", "os_name": "posix",
     "platform_machine": "aarch64", "platform_release": "5.15.0", "platform_system": "Linux",
     "platform_version": "#1 SMP", "python_full_version": "3.10.14",
     "platform_python_implementation": "PyPy", "python_version": "3.10", "sys_platform": "linux"},
    {"implementation_name": "cpython", "implementation_version": "3.12.1+", "os_name": "posix",
     "platform_machine": "x86_64", "platform_release": "", "platform_system": "Linux",
     "platform_version": "", "python_full_version": "3.12.1+",
     "platform_python_implementation": "CPython", "python_version": "3.12", "sys_platform": "linux"},
    {"implementation_name": "", "implementation_version": "", "os_name": "", "platform_machine": "",
     "platform_release": "", "platform_system": "", "platform_version": "", "python_full_version": "",
     "platform_python_implementation": "", "python_version": "", "sys_platform": ""},
]

MARKER_VALUES = {
    "os_name": ["posix", "nt", "java", "Posix", ""],
    "sys_platform": ["linux", "darwin", "win32", "cygwin", "emscripten", "Linux", "linux darwin", "lin"],
    "platform_machine": ["x86_64", "aarch64", "arm64", "AMD64", "i686", "armv7l", "ppc64le", "x86_64 aarch64", "64"],
    "platform_python_implementation": ["CPython", "PyPy", "cpython", "Jython", "GraalVM", "Py"],
    "platform_release": ["6.1.0-13-amd64", "5.15.0", "5.15", "23.1.0", "23", "10", "", "6", "6.1.*", "4.19.0-21-cloud-amd64"],
    "platform_system": ["Linux", "Darwin", "Windows", "Java", "linux", "FreeBSD", "Linux Darwin"],
    "platform_version": ["#1 SMP", "10.0.22631", "Darwin", "", "SMP"],
    "python_version": ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "2.7", "3", "3.1", "4.0", "3.*", "3.1*", "3.11.*",
                       " 3.8", "3.8 ", "3.8.0+local", "foo", "3.8 3.9 3.10", "3.13.0rc1", "3.1a", "3.11.0", "3.11a1"],
    "python_full_version": ["3.11.4", "3.13.0rc1", "3.12.0", "3.8.10", "3.14.0a1", "3.12.1+", "3.12.1", "2.7.18",
                            "3.12.1+local", "3.12.*", "3.11", "3.13.0", "3.13.0rc1.*", "foo", "3.10.14"],
    "implementation_name": ["cpython", "pypy", "graalpy", "CPython", "jython", "py"],
    "implementation_version": ["3.11.4", "7.3.16", "7.3", "3.13.0rc1", "24.1.0", "3.12.0", "3.12.1+", "7.*"],
}
MARKER_LEGACY = {"os_name": ["os.name"], "sys_platform": ["sys.platform"], "platform_version": ["platform.version"],
                 "platform_machine": ["platform.machine"],
                 "platform_python_implementation": ["platform.python_implementation", "python_implementation"]}
MARKER_OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]
MARKER_OP_WEIGHTS = [8, 4, 3, 3, 3, 4, 2, 1, 3, 2]
EXTRA_NAMES = ["foo", "Foo_Bar", "foo-bar", "bar.baz", "test", "TEST", "dev", "a__b", "security", "socks", "\u00e9"]
GROUP_NAMES = ["dev", "Test", "test", "lint", "docs", "typing_extensions", "typing-extensions"]
MARKER_JUNK = ["(", ")", "\"", "'", "=", "<", ">", "~", "!", " ", "\t", "\n", "\r", "and", "or", "not", "in", "\u00e9",
               "\\", "x", "\x00", "\u00a0", "extra", ".", "_", "\u0661"]


class MarkerGen:
    def __init__(self, g: Gen) -> None:
        self.g = g

    def ws(self) -> str:
        return self.g.r.choices(["", " ", "  ", "\t"], [1, 12, 1, 1])[0]

    def quote(self, body: str) -> str:
        q = self.g.pick(["'", '"'])
        if q in body:
            q = "'" if q == '"' else '"'
        return q + body + q

    def body(self, value: str) -> str:
        """A string literal body for `value`, sometimes with Python escapes."""
        if self.g.chance(0.06) and value:
            i = self.g.r.randrange(len(value))
            c = value[i]
            esc = self.g.pick([f"\\x{ord(c):02x}", f"\\u{ord(c):04x}", f"\\{ord(c):o}" if ord(c) < 256 else c])
            value = value[:i] + esc + value[i + 1:]
        if self.g.chance(0.02):
            value += self.g.pick(["\\n", "\\\\", "\\q", "\\t", '\\"', "\\'", "\\\n", "\u00e9", "\u0130", "\\U0001F600",
                                  "\\x4", "\\u00e", "\\777", "\\1234"])
        return value

    def value_for(self, var: str, env: dict) -> str:
        g = self.g
        x = g.r.random()
        if x < 0.35:
            return env[var]
        if x < 0.8:
            v = g.pick(MARKER_VALUES[var])
        elif var in ("python_version", "python_full_version", "implementation_version", "platform_release"):
            v = g.version(valid_bias=0.9)
        else:
            v = g.word()
        if g.chance(0.05):
            v = g.case(v)
        return v

    def variable(self, var: str) -> str:
        return self.g.pick([var] + MARKER_LEGACY.get(var, [])) if self.g.chance(0.3) else var

    def clause(self, env: dict, nested: bool) -> str:
        g = self.g
        op = g.r.choices(MARKER_OPS, MARKER_OP_WEIGHTS)[0]
        kind = g.r.random()
        if kind < 0.1:
            name = g.pick(EXTRA_NAMES)
            if nested:
                name = canonicalize_name(name)  # divergence: packaging does not normalize inside parentheses
            op = g.pick(["==", "==", "!=", "in", "not in", "<", "~="])
            lhs, rhs = "extra", self.quote(self.body(name))
            return self.arrange(lhs, op, rhs, g.chance(0.25))
        if kind < 0.18:
            name = g.pick(GROUP_NAMES + EXTRA_NAMES)
            var = g.pick(["extras", "dependency_groups"])
            op = g.pick(["in", "in", "not in", "==", "!=", "<=", "~="])
            return self.quote(self.body(name)) + self.sep() + op + self.sep() + var
        var = g.pick(list(MARKER_VALUES))
        value = self.value_for(var, env)
        if op in ("in", "not in") and g.chance(0.5):
            value = " ".join(self.value_for(var, env) for _ in range(g.r.randint(1, 3)))
        return self.arrange(self.variable(var), op, self.quote(self.body(value)), g.chance(0.3))

    def sep(self) -> str:
        return self.g.r.choices([" ", "", "  ", "\t"], [20, 1, 1, 1])[0]

    def arrange(self, var: str, op: str, value: str, reverse: bool) -> str:
        lhs, rhs = (value, var) if reverse else (var, value)
        return lhs + self.sep() + op + self.sep() + rhs

    def expression(self, env: dict, depth: int = 0) -> str:
        g = self.g
        n = g.r.choices([1, 2, 3, 4], [5, 4, 2, 1])[0]
        parts = []
        for i in range(n):
            if i:
                parts.append(self.sep() + g.pick(["and", "or"]) + self.sep())
            if depth < 3 and g.chance(0.2):
                parts.append("(" + self.ws() + self.expression(env, depth + 1) + self.ws() + ")")
            else:
                parts.append(self.clause(env, nested=depth > 0))
        return self.ws() + "".join(parts) + self.ws()

    def environment(self) -> dict:
        g = self.g
        env = dict(g.pick(MARKER_ENVIRONMENTS))
        if g.chance(0.3):
            minor = g.r.randint(6, 14)
            env["python_version"] = f"3.{minor}"
            env["python_full_version"] = f"3.{minor}.{g.r.randint(0, 12)}" + g.pick(["", "", "", "rc1", "a2", "+"])
        return env

    def mutate(self, text: str) -> str:
        g = self.g
        for _ in range(g.r.randint(1, 2)):
            x = g.r.random()
            if x < 0.35 and text:
                i = g.r.randrange(len(text))
                text = text[:i] + text[i + 1:]
            elif x < 0.75:
                i = g.r.randint(0, len(text))
                text = text[:i] + g.pick(MARKER_JUNK) + text[i:]
            elif x < 0.9:
                text = text[: g.r.randint(0, len(text))]
            else:
                i = g.r.randint(0, len(text))
                text = text[:i] + " " + g.pick(["and", "or", "==", "in", "not", "extra", "os_name"]) + " " + text[i:]
        return text

    def case(self, malformed: bool) -> dict:
        g = self.g
        env = self.environment()
        text = self.expression(env)
        if malformed:
            text = self.mutate(text)
        extras = [g.pick(EXTRA_NAMES) for _ in range(g.r.choices([0, 1, 2, 3], [4, 3, 2, 1])[0])]
        groups = [g.pick(GROUP_NAMES) for _ in range(g.r.choices([0, 1, 2], [3, 3, 1])[0])]
        return {"op": "marker.evaluate", "marker": text, "environment": env, "extras": extras, "dependencyGroups": groups}


FIXED_MARKERS = [
    'os_name == "posix"', 'os_name=="posix"and"a"==extra', 'os_name == "posix"\n', 'os_name == "posix"\n\n',
    'os_name == "posix" \n', 'os_name == "posix"\r', '', ' ', '()', '(', ')', 'os_name', 'os_name ==', 'os_name == "a',
    'os_name == "a" and', 'os_name == "a" and (', 'os_name == "a" (os_name == "b")', '(os_name == "a"', 'os_name == "a")',
    'os_name not  in "a"', 'os_name not\tin "a"', 'os_name notin "a"', 'os_name not"in" "a"', 'os_name not', 'os_name = "a"',
    'os_name == x', 'os_nameé == "a"', 'os_name ==é"a"', 'os_name == "a" andé', 'os_name\u00a0== "a"', 'python_versions == "3"',
    'platform.release == "x"', 'platform.python_implementation == "CPython"', 'python_implementation == "CPython"',
    'os.name == "posix" or sys.platform == "linux" or platform.machine == "x86_64" or platform.version == ""',
    '"3.8" < python_version', '"3.8" ~= python_version', 'python_version ~= "3"', 'python_version ~= "3.8"',
    'python_version === "3.11"', 'platform_release != "5.15"', 'platform_release == "6.1.0-13-amd64"',
    'os_name < "z"', 'os_name <= "posix"', 'os_name >= "posix"', 'os_name > "a"', 'os_name ~= "posix"', 'os_name === "posix"',
    'os_name in "xposixy"', '"" in os_name', '"pos" in os_name', 'os_name not in "posix nt"',
    '"a" in extras', '"A_b" in extras', '"x" == extras', '"x" != extras', '"x" < extras', '"x" ~= extras',
    '"dev" in dependency_groups', '"Typing.Extensions" in dependency_groups', 'extras == "a"', 'extras in "a"',
    'extra == "Foo_Bar"', 'extra != "foo-bar"', '"Foo.Bar" == extra', 'extra in "foo-bar security"', 'extra ~= "foo"',
    'python_full_version < "3.12.2"', 'python_full_version == "3.12.1+local"', 'implementation_version >= "3.12.1"',
    'python_version > "3.1a"', 'python_version <= "foo"', 'python_version == "3.*"', 'python_version != "3.11.*"',
    'python_version in "3.10 3.11"', 'python_version not in "3.1"',
    'os_name == "a" or os_name == "posix" and python_version < "3"', '(os_name == "a" or os_name == "posix") and python_version < "3"',
    '(((os_name == "posix"))) and (os_name == "b" or (os_name == "posix"))', 'os_name == "posix" or (extra == "foo-bar")',
    "os_name == '\\x70osix'", 'os_name == "\\u0070osix"', "os_name == '\\160osix'", 'os_name == "\\q"', 'os_name == "\\"',
    'os_name == "\\x4"', 'os_name == "\\u00e"', 'os_name == "\\U00110000"', 'os_name == "\\U0001F600"', 'os_name == "\\777"',
    'os_name == "a\x00"', 'os_name == "a\nb"', 'os_name == "a\rb"', 'os_name == "a\x0cb"', 'os_name == "\\\n"',
    'os_name == "\\\r\n"', "os_name == 'a\"b'", 'os_name == "\\N{DIGIT ONE}"', 'os_name == "\\ud800"',
    '"a" == "b"', '"a" == "os_name"', 'os_name == sys_platform', 'extra == os_name', '"a" ~= "b"',
    "(" * 100 + 'os_name == "posix"' + ")" * 100, "(" * 101 + 'os_name == "posix"' + ")" * 101,
    "(" * 5000 + 'os_name == "posix"' + ")" * 5000,
]


def marker_value_nodes(markers, depth=0):
    """(depth, clause) for every clause of packaging's parsed marker, and the deepest nesting."""
    for item in markers:
        if isinstance(item, list):
            yield from marker_value_nodes(item, depth + 1)
        elif isinstance(item, tuple):
            yield depth, item


def marker_str_loses_parentheses(markers) -> bool:
    """packaging's `str(Marker)` drops the parentheses of a group written inside two pairs of them
    within a longer expression: `a and ((b or c))` becomes `a and b or c`, another marker."""
    for item in markers:
        if isinstance(item, list):
            if len(markers) > 1 and len(item) == 1 and isinstance(item[0], list):
                inner = item
                while isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], list):
                    inner = inner[0]
                if len(inner) > 1:
                    return True
            if marker_str_loses_parentheses(item):
                return True
    return False


def marker_depth(markers) -> int:
    return max([marker_depth(m) + 1 for m in markers if isinstance(m, list)] + [0])


# ---------------------------------------------------------------------------------------------
# Expected answers from packaging


def expected_name(inp):
    s = inp["input"]
    try:
        canonicalize_name(s, validate=True)
        valid = True
    except Exception:
        valid = False
    return {"normalized": canonicalize_name(s), "valid": valid, "isNormalized": is_normalized_name(s)}


def expected_version_parse(inp):
    try:
        v = Version(inp["input"])
    except InvalidVersion:
        keys = ["normalized", "epoch", "release", "pre", "post", "dev", "local", "public", "baseVersion",
                "isPrerelease", "isPostrelease", "isDevrelease"]
        return dict({"valid": False}, **{k: None for k in keys})
    return {
        "valid": True, "normalized": str(v), "epoch": jnum(v.epoch), "release": [jnum(x) for x in v.release],
        "pre": [v.pre[0], jnum(v.pre[1])] if v.pre else None,
        "post": None if v.post is None else jnum(v.post), "dev": None if v.dev is None else jnum(v.dev),
        "local": v.local, "public": v.public, "baseVersion": v.base_version, "isPrerelease": v.is_prerelease,
        "isPostrelease": v.is_postrelease, "isDevrelease": v.is_devrelease,
    }


def expected_compare(inp):
    a, b = Version(inp["left"]), Version(inp["right"])
    return {"cmp": (a > b) - (a < b)}


def expected_sort(inp):
    return {"sorted": sorted(inp["input"], key=Version)}


def make_spec(inp):
    sp = inp.get("specifierPrereleases")
    if inp.get("kind", "set") == "specifier":
        return Specifier(inp["specifier"], prereleases=sp)
    return SpecifierSet(inp["specifier"], prereleases=sp)


def expected_spec_validate(inp):
    try:
        make_spec(inp)
        return {"valid": True}
    except InvalidSpecifier:
        return {"valid": False}


def expected_spec_contains(inp):
    try:
        s = make_spec(inp)
    except InvalidSpecifier:
        return {"valid": False, "contains": None}
    if isinstance(s, SpecifierSet):
        c = s.contains(inp["version"], prereleases=inp.get("prereleases"), installed=inp.get("installed"))
    else:
        c = s.contains(inp["version"], prereleases=inp.get("prereleases"))
    return {"valid": True, "contains": bool(c)}


def expected_spec_filter(inp):
    try:
        s = make_spec(inp)
    except InvalidSpecifier:
        return {"valid": False, "output": None}
    return {"valid": True, "output": list(s.filter(inp["input"], prereleases=inp.get("prereleases")))}


def expected_wheel(inp):
    f = inp["filename"]
    if inp.get("urlSegment"):
        f = urllib.parse.unquote(f)
    try:
        name, version, build, tagset = parse_wheel_filename(f)
    except InvalidWheelFilename:
        return {"valid": False, "name": None, "version": None, "build": None, "tags": None}
    return {"valid": True, "name": name, "version": str(version),
            "build": [jnum(build[0]), build[1]] if build else None,
            "tags": sorted([t.interpreter, t.abi, t.platform] for t in tagset)}


def _linux(glibc, musl, arch):
    """packaging's `_linux_platforms` for a described system (glibc or musl version given)."""
    saved = (_manylinux._get_glibc_version, _manylinux._have_compatible_abi, _musllinux._get_musl_version)
    try:
        _manylinux._get_glibc_version = lambda: _manylinux._GLibCVersion(*glibc)
        _manylinux._have_compatible_abi = lambda executable, archs: True
        _musllinux._get_musl_version = lambda executable: (_musllinux._MuslVersion(*musl) if musl else None)
        archs = {"armv8l": ["armv8l", "armv7l"]}.get(arch, [arch])
        out = list(_manylinux.platform_tags(archs)) + list(_musllinux.platform_tags(archs))
        return out + [f"linux_{a}" for a in archs]
    finally:
        _manylinux._get_glibc_version, _manylinux._have_compatible_abi, _musllinux._get_musl_version = saved


def expected_platforms(platform: str):
    import re

    if m := re.fullmatch(r"manylinux_([0-9]+)_([0-9]+)_(.+)", platform, re.S):
        return _linux((int(m[1]), int(m[2])), None, m[3])
    if m := re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(.+)", platform, re.S):
        glibc = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}[m[1]]
        return _linux(glibc, None, m[2])
    if m := re.fullmatch(r"musllinux_([0-9]+)_([0-9]+)_(.+)", platform, re.S):
        return _linux((-1, -1), (int(m[1]), int(m[2])), m[3])
    if m := re.fullmatch(r"macosx_([0-9]+)_([0-9]+)_(.+)", platform, re.S):
        return list(tags.mac_platforms((int(m[1]), int(m[2])), m[3]))
    if m := re.fullmatch(r"ios_([0-9]+)_([0-9]+)_(.+)", platform, re.S):
        return list(tags.ios_platforms((int(m[1]), int(m[2])), m[3]))
    if m := re.fullmatch(r"android_([0-9]+)_(.+)", platform, re.S):
        return list(tags.android_platforms(int(m[1]), m[2]))
    if m := re.fullmatch(r"linux_(.+)", platform, re.S):
        return _linux((-1, -1), None, m[1])
    return [platform]


def expected_platforms_op(inp):
    return {"platforms": expected_platforms(inp["platform"])}


def supported(env) -> list:
    pv, abis, plats = env["pythonVersion"], env["abis"], env["platforms"]
    if env["implementation"] == "cpython":
        out = list(tags.cpython_tags(pv, abis, plats)) + list(tags.compatible_tags(pv, env["interpreter"], plats))
    else:
        interp = "pp3" if env["implementation"] == "pypy" else None
        out = list(tags.generic_tags(env["interpreter"], abis, plats)) + list(tags.compatible_tags(pv, interp, plats))
    return out


def expected_tags(inp):
    return {"tags": [str(t) for t in supported(inp)]}


def expected_select(inp):
    sup = supported(inp["environment"])
    ranks = {}
    for i, t in enumerate(sup):
        ranks.setdefault(t, i)
    things, results = [], []
    for f in inp["files"]:
        try:
            tagset = parse_wheel_filename(f)[3]
        except InvalidWheelFilename:
            tagset = frozenset()
        things.append((f, tagset))
        hits = [(ranks[t], t) for t in tagset if t in ranks]
        if hits:
            rank = min(r for r, _ in hits)
            best = [t for r, t in hits if r == rank][0]
            results.append({"filename": f, "compatible": True, "bestTag": str(best), "bestRank": rank})
        else:
            results.append({"filename": f, "compatible": False, "bestTag": None, "bestRank": None})
    selector = tags.create_compatible_tags_selector(sup)
    return {"ranked": list(selector(things)), "results": results}


def expected_marker(inp):
    text = inp["marker"]
    try:
        m = Marker(text)
    except InvalidMarker as e:
        return {"valid": False, "errorColumn": e.__cause__.span[1] + 1}
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {"valid": False}  # ast.literal_eval refused a quoted string, or too deep
    # Divergences are judged on the tree as written: packaging's own normalization of top-level
    # `extra` clauses turns `extra == os_name` into `extra == "os-name"`.
    clauses = list(marker_value_nodes(parse_marker(text)))
    values = [n.value for _, c in clauses for n in (c[0], c[2]) if isinstance(n, Value)]
    # Divergences where Swift rejects what packaging accepts.
    if "\\N{" in text or any(0xD800 <= ord(ch) <= 0xDFFF for v in values for ch in v):
        return {"valid": False}
    if marker_depth(m._markers) > 100:
        return {"valid": False}
    compare_result = compare_canonical = True
    for depth, (lhs, _op, rhs) in clauses:
        if isinstance(lhs, Variable) == isinstance(rhs, Variable):
            compare_result = False
            compare_canonical = compare_canonical and isinstance(lhs, Value)
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if (depth > 0 and isinstance(a, Variable) and a.value == "extra" and isinstance(b, Value)
                    and b.value != canonicalize_name(b.value)):
                compare_result = compare_canonical = False
    if any(ch in v for v in values for ch in '"\\\n\r\x00') or marker_str_loses_parentheses(m._markers):
        compare_canonical = False
    out = {"valid": True}
    if compare_canonical:
        out["canonical"] = str(m)
    if compare_result:
        extras = inp.get("extras") or []
        base = dict(inp.get("environment") or {})
        base["extras"] = frozenset(extras)
        base["dependency_groups"] = frozenset(inp.get("dependencyGroups") or [])
        results, undefined = [], False
        for extra in extras or [""]:
            try:
                results.append(m.evaluate(dict(base, extra=extra)))
            except (UndefinedComparison, AssertionError):
                undefined = True
        out["undefined"] = undefined
        if not undefined:
            out["result"] = any(results)
    return out


EXPECTED = {
    "name.normalize": expected_name,
    "version.parse": expected_version_parse,
    "version.compare": expected_compare,
    "version.sort": expected_sort,
    "specifier.validate": expected_spec_validate,
    "specifier.contains": expected_spec_contains,
    "specifier.filter": expected_spec_filter,
    "wheel.parse": expected_wheel,
    "platforms.expand": expected_platforms_op,
    "tags.supported": expected_tags,
    "wheel.select": expected_select,
    "marker.evaluate": expected_marker,
}


# ---------------------------------------------------------------------------------------------
# Case generation


FIXED_VERSIONS = [
    "1.0", "1.0.0", "v1.0", "V1.0", " 1.0 ", "1!1.0", "1.0a1", "1.0A1", "1.0alpha1", "1.0-a1", "1.0_a_1",
    "1.0.a.1", "1.0a", "1.0b2", "1.0beta2", "1.0c1", "1.0pre1", "1.0preview1", "1.0rc1", "1.0-1", "1.0-r1",
    "1.0rev1", "1.0.post", "1.0post1", "1.0.dev", "1.0dev1", "1.0+abc", "1.0+ABC.1", "1.0+abc-1_2",
    "1.0+001", "1.0+1.a", "1.0+a.1", "0", "0.0", "00.01", "1.0a-", "1.0a.", "1.0.post.", "1.0-", "1.0+",
    "1.0+abc.", "1..0", ".1", "1.", "", " ", "a", "1.0.*", "1.0 a1", "1.0\u00e91", "١.٠", "1.0\u3000",
    "1.0.dev1.post1", "1.0.post1.dev1", "1.0a1.post1.dev1", "1.0rc1.dev1+local", "2!0.dev0",
    "1" + "0" * 30, "1." + "9" * 25, "1!" + "9" * 22 + ".0",
]


# Clauses whose meaning depends on packaging's string-level quirks (the `~=` prefix is computed from
# the text as written, so `~=1.0.preview1` means `==1.0.*` but `~=1.0rc1` means `==1.*`), plus
# `===`, wildcards with epochs and locals, and boundary operators.
FIXED_SPECS = [
    "~=1.0", "~=1.0.0", "~=1.0a1", "~=1.0.preview1", "~=1.0.c1", "~=1.0c1", "~=1.0.POST1", "~=1.0.post1",
    "~=1.0-1", "~=1.0.dev1", "~=v1.0", "~=V1.0", "~=1!1.0", "~=1.0rev1", "~=2.2.0a1.post1", "~=1.0alpha1",
    "==1.0.*", "==1.*", "==1!1.*", "!=1.0.*", "==v1.0.*", "==1.0+local", "==1.0", "!=1.0", "==1.0.0+LOCAL.1",
    "<1.0", "<=1.0", ">1.0", ">=1.0", "<1.0a1", ">1.0a1", ">1.0.post1", ">1.0.dev1", "<1.0.post1",
    "===1.0", "===1.0A1", "===foo", "===", "=== 1.0", "", ">=1.0,<2", ">=1.0a1,<2", "!=1.5,>=1", "===1.0,==1.0",
    "===foo,===FOO", ">=1.0,===1.0", " , ,>=1", "== 1.0", "==1.0a1", "!=1.0a1", "<=1.0a1", "==1.0.post1.dev1",
]
FIXED_CANDIDATES = [
    "1.0", "1.0.0", "1.0+local", "1.0+LOCAL.1", "1.0a1", "1.0A1", "1.0rc1", "1.0.post1", "1.0.post2",
    "1.0.post1.dev1", "1.0.dev1", "1.1", "1.1a1", "1.5", "1!1.0", "1!1.5", "2.0", "2.0.dev0", "0.9",
    "0.dev0", "1.0.1", "1.9.9", "2.2", "2.2.1", "2.3", "foo", "FOO", "", "1.0 ", " 1.0",
]


def make_cases(g: Gen, scale: int) -> list[dict]:
    cases: list[dict] = []
    add = cases.append
    for v in FIXED_VERSIONS:
        add({"op": "version.parse", "input": v})
    for spec in FIXED_SPECS:
        for kind in ("set", "specifier"):
            add({"op": "specifier.validate", "specifier": spec, "kind": kind})
            for pre in (None, True, False):
                for spec_pre in (None, True, False):
                    add({"op": "specifier.filter", "specifier": spec, "kind": kind, "prereleases": pre,
                         "specifierPrereleases": spec_pre, "input": FIXED_CANDIDATES})
                    for candidate in FIXED_CANDIDATES:
                        add({"op": "specifier.contains", "specifier": spec, "kind": kind, "version": candidate,
                             "prereleases": pre, "specifierPrereleases": spec_pre})
    for n in ["Foo", "foo.bar", "a--b", "ab--c", "ΑΣ", "ΑΣ.Β", "İstanbul", "Kelvin", "Straße", "é", "é",
              "-a", "a-", "a", "", "A_B.c-D", "a__b", "1", "x\n"]:
        add({"op": "name.normalize", "input": n})
    for _ in range(scale):
        add({"op": "name.normalize", "input": g.name()})
    for _ in range(scale * 3):
        add({"op": "version.parse", "input": g.version()})
    valid_versions = []
    while len(valid_versions) < 400:
        v = g.version(valid_bias=1)
        try:
            Version(v)
            valid_versions.append(v)
        except InvalidVersion:
            pass
    for _ in range(scale * 2):
        a = g.pick(valid_versions)
        b = g.pick(valid_versions) if g.chance(0.7) else g.related_version(a)
        try:
            Version(b)
        except InvalidVersion:
            b = a
        add({"op": "version.compare", "left": a, "right": b})
    for _ in range(scale // 4):
        add({"op": "version.sort", "input": [g.pick(valid_versions) for _ in range(g.r.randint(0, 12))]})
    for _ in range(scale * 2):
        kind = "specifier" if g.chance(0.3) else "set"
        spec = g.specifier_clause() if kind == "specifier" else g.specifier_set()
        add({"op": "specifier.validate", "specifier": spec, "kind": kind})
    for _ in range(scale * 4):
        kind = "specifier" if g.chance(0.3) else "set"
        spec = g.specifier_clause() if kind == "specifier" else g.specifier_set()
        case = {"op": "specifier.contains", "specifier": spec, "version": g.related_version(spec),
                "prereleases": g.pick([None, None, True, False]), "kind": kind}
        if g.chance(0.3):
            case["specifierPrereleases"] = g.pick([None, True, False])
        if kind == "set" and g.chance(0.1):
            case["installed"] = True
        add(case)
    for _ in range(scale * 2):
        kind = "specifier" if g.chance(0.3) else "set"
        spec = g.specifier_clause() if kind == "specifier" else g.specifier_set()
        items = [g.related_version(spec) for _ in range(g.r.randint(0, 8))]
        if g.chance(0.1):
            items.append(g.pick(["foo", "1.0 bar", ""]))
        case = {"op": "specifier.filter", "specifier": spec, "prereleases": g.pick([None, None, True, False]),
                "kind": kind, "input": items}
        if g.chance(0.3):
            case["specifierPrereleases"] = g.pick([None, True, False])
        add(case)
    for _ in range(scale * 2):
        f = g.wheel_filename()
        if g.chance(0.15):
            add({"op": "wheel.parse", "filename": urllib.parse.quote(f, safe=g.pick(["", "-.", "-._"])),
                 "urlSegment": True})
        else:
            add({"op": "wheel.parse", "filename": f})
    for _ in range(scale // 2):
        add({"op": "platforms.expand", "platform": g.platform()})
    for _ in range(scale // 4):
        add(dict({"op": "tags.supported"}, **g.environment()))
    for _ in range(scale // 4):
        env = g.environment()
        sup = [str(t) for t in supported(env)]
        files = []
        for _ in range(g.r.randint(0, 8)):
            if sup and g.chance(0.6):
                tag = g.pick(sup)
                files.append(f"pkg-1.0-{tag}.whl")
            else:
                files.append(g.wheel_filename())
        add({"op": "wheel.select", "environment": env, "files": files})
    mg = MarkerGen(g)
    for text in FIXED_MARKERS:
        for env in MARKER_ENVIRONMENTS[:3]:
            for extras in ([], ["Foo_Bar"], ["foo", "security"]):
                add({"op": "marker.evaluate", "marker": text, "environment": env, "extras": extras,
                     "dependencyGroups": ["Dev", "typing.extensions"]})
    for _ in range(scale * 2):
        add(mg.case(malformed=False))
    for _ in range(scale):
        add(mg.case(malformed=True))
    return cases


# ---------------------------------------------------------------------------------------------


def emit_swift_golden(path: str, seed: int) -> None:
    """Write packaging's answers for a fixed sample as a Swift source file of JSON lines, used by
    the table-driven tests (`PackagingGoldenTests.swift`)."""
    g = Gen(seed)
    lines: list[str] = []

    def put(kind: str, case: list) -> None:
        lines.append(json.dumps([kind] + case, ensure_ascii=True))

    for _ in range(1500):
        v = g.version()
        e = expected_version_parse({"input": v})
        put("version", [v, e["normalized"]])
    valid = [v for v in (g.version(valid_bias=1) for _ in range(2000)) if _valid(v)][:600]
    for _ in range(1500):
        a = g.pick(valid)
        b = g.related_version(a)
        if not _valid(b):
            b = g.pick(valid)
        put("compare", [a, b, expected_compare({"left": a, "right": b})["cmp"]])
    for _ in range(2500):
        spec = g.specifier_set()
        v = g.related_version(spec)
        pre = g.pick([None, None, True, False])
        e = expected_spec_contains({"specifier": spec, "version": v, "prereleases": pre})
        put("contains", [spec, v, pre, e["contains"]])
    for _ in range(400):
        spec = g.specifier_set()
        items = [g.related_version(spec) for _ in range(g.r.randint(0, 6))]
        pre = g.pick([None, None, True, False])
        put("filter", [spec, pre, items, expected_spec_filter({"specifier": spec, "prereleases": pre, "input": items})["output"]])
    for _ in range(800):
        f = g.wheel_filename()
        e = expected_wheel({"filename": f})
        put("wheel", [f, e["name"], e["version"], e["build"], ["-".join(t) for t in e["tags"]] if e["tags"] is not None else None])
    for _ in range(80):
        p = g.platform()
        put("platforms", [p, expected_platforms(p)])
    for _ in range(25):
        env = g.environment()
        put("supported", [env, expected_tags(env)["tags"]])
    body = "\n".join(lines)
    assert '"""#' not in body
    with open(path, "w") as out:
        out.write("// GENERATED by scripts/differential-packaging.py --emit-swift-golden (packaging "
                  f"{packaging.__version__}, seed {seed}). Do not edit.\n")
        out.write("// One JSON array per line: [kind, input..., packaging's answer].\n\n")
        out.write("enum PackagingGoldenData {\n    static let lines = #\"\"\"\n")
        out.write(body)
        out.write("\n\"\"\"#\n}\n")


def _valid(v: str) -> bool:
    try:
        Version(v)
        return True
    except InvalidVersion:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-cmd", default=".build/debug/artifact-store debug eval")
    parser.add_argument("--seed", type=int, default=20260303)
    parser.add_argument("--scale", type=int, default=2000, help="base number of cases per kind")
    parser.add_argument("--show", type=int, default=20, help="differences to print")
    parser.add_argument("--ops", help="comma-separated ops to run (default: all)")
    parser.add_argument("--emit-swift-golden", metavar="PATH",
                        help="write the golden fixture for the Swift tests to PATH and exit")
    args = parser.parse_args()
    if args.emit_swift_golden:
        emit_swift_golden(args.emit_swift_golden, args.seed)
        return 0

    if packaging.__version__ != "26.2":
        print(f"warning: reference is packaging {packaging.__version__}, not 26.2", file=sys.stderr)

    g = Gen(args.seed)
    cases = make_cases(g, args.scale)
    if args.ops:
        cases = [c for c in cases if c["op"] in args.ops.split(",")]
    for i, case in enumerate(cases):
        case["id"] = i
    payload = "".join(json.dumps(c) + "\n" for c in cases)
    proc = subprocess.run(shlex.split(args.eval_cmd), input=payload.encode(), capture_output=True)
    if proc.returncode != 0:
        print(f"differential: eval command failed with status {proc.returncode}", file=sys.stderr)
        print(proc.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
        return 2
    outputs = {}
    for line in proc.stdout.decode().split("\n"):  # not splitlines(): U+2028 etc. may appear raw
        if line.strip():
            obj = json.loads(line)
            outputs[obj.get("id")] = obj

    differences = []
    per_op: dict[str, int] = {}
    marker_stats = dict.fromkeys(["cases", "valid", "invalid", "errorColumn", "canonical", "true", "false", "undefined"], 0)
    for case in cases:
        op = case["op"]
        per_op[op] = per_op.get(op, 0) + 1
        inp = {k: v for k, v in case.items() if k not in ("op", "id")}
        try:
            expected = EXPECTED[op](inp)
        except Exception as e:  # noqa: BLE001 - the reference itself failing is worth reporting
            expected = {"reference-exception": f"{type(e).__name__}: {e}"}
        if op == "marker.evaluate":
            marker_stats["cases"] += 1
            marker_stats["valid" if expected.get("valid") else "invalid"] += 1
            marker_stats["errorColumn"] += "errorColumn" in expected
            marker_stats["canonical"] += "canonical" in expected
            marker_stats["undefined"] += expected.get("undefined") is True
            marker_stats["true"] += expected.get("result") is True
            marker_stats["false"] += expected.get("result") is False
        actual = outputs.get(case["id"])
        if actual is None:
            differences.append((case, expected, "<no output line>"))
            continue
        eval_error = isinstance(actual.get("error"), dict) and "code" in actual["error"]
        actual_cmp = actual if eval_error else {k: actual.get(k) for k in expected}
        if actual_cmp != expected:
            differences.append((case, expected, actual))

    print(f"differential: {len(cases)} compared, {len(differences)} differences")
    print("  per op: " + ", ".join(f"{k}={v}" for k, v in sorted(per_op.items())))
    if marker_stats["cases"]:
        print("  markers: " + ", ".join(f"{k}={v}" for k, v in marker_stats.items()))
    for case, expected, actual in differences[: args.show]:
        print("-" * 72)
        print("input:    " + json.dumps(case, ensure_ascii=False))
        print("expected: " + json.dumps(expected, ensure_ascii=False))
        print("actual:   " + (json.dumps(actual, ensure_ascii=False) if not isinstance(actual, str) else actual))
    print(f"differential-packaging: {'FAIL' if differences else 'PASS'}: {len(cases)} cases against packaging "
          f"{packaging.__version__}, {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
