"""The blueprint schema compiled to Python, to tell at once that a blueprint is valid.

Cerberus stays the schema of record: the rules are read from the same schema file, the
value checks are the validator's own (``check_with`` methods), and every diagnostic comes
from cerberus. What is compiled here only answers "does cerberus accept this?" faster: one
generated function per rule set instead of cerberus's rule machinery for each of the
400,000 values of 10,000 hosts (17 s -> well under 1 s). It accepts a document only when
every rule holds, and rejects on anything it is not sure of (an unknown rule, a type the
loader does not make, an empty value that cerberus would treat apart), in which case
cerberus validates the document as always. A wrong "yes" would hide an error, so
``tests/test_fastschema.py`` holds it against cerberus on the examples, every error
snapshot and fuzzed documents.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from sigen.compile.validate.schema import BlueprintValidator, load_schema

__all__ = ["Check", "accepts", "compiled", "source"]

Check = Callable[[Any], bool]
_RULES = frozenset({"type", "required", "schema", "check_with", "empty", "min", "max",
                    "allowed", "minlength", "keysrules", "valuesrules", "excludes", "meta",
                    "nullable", "regex", "allow_unknown"})
# The Python types the loader makes for each schema type (sigen.compile.loader gives plain
# dict, list, str, int, float, bool, None, date and datetime only).
_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
          "dict": (dict,), "list": (list,), "date": (datetime.date, datetime.datetime)}


class _Invalid(Exception):
    pass


class _Probe(BlueprintValidator):
    """The validator's value checks, without cerberus around them: a failed check raises."""

    def __init__(self) -> None:  # no cerberus state: only the check_with methods are used
        pass

    def _fail(self, field: str, code: str, message: str) -> None:
        raise _Invalid


def _passes(method: Callable[[str, Any], None]) -> Check:
    # The same few thousand names and addresses come back again and again: each is checked
    # once (the checks are pure functions of the value).
    @functools.lru_cache(maxsize=65536)
    def cached(value: Any) -> bool:
        try:
            method("field", value)
        except _Invalid:
            return False
        return True

    def check(value: Any) -> bool:
        try:
            return cached(value)
        except TypeError:  # not hashable: check it as it is
            return cached.__wrapped__(value)
    return check


class _Compiler:
    """Python source of one function per rule set, and the values they refer to."""

    def __init__(self, allow_unknown: bool = False) -> None:
        self.allow_unknown = allow_unknown  # the validator's default for every mapping
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self._probe = _Probe()
        self._count = 0

    def _name(self, prefix: str, value: Any) -> str:
        self._count += 1
        name = f"{prefix}{self._count}"
        self.names[name] = value
        return name

    def value(self, rule: Mapping[str, Any]) -> str:
        """The name of a function: is this value valid under ``rule``?"""
        self._count += 1
        fn = f"v{self._count}"
        if set(rule) - _RULES:
            self.lines += [f"def {fn}(v):", "    return False"]  # unknown rule: cerberus
            return fn
        types = rule.get("type")
        names = (types,) if isinstance(types, str) else tuple(types or ())
        body: list[str] = ["if v is None: return True"] if rule.get("nullable") else []
        if names:
            allowed_types = tuple(t for n in names for t in _TYPES.get(n, ()))
            if not allowed_types:
                self.lines += [f"def {fn}(v):", "    return False"]
                return fn
            types_name = self._name("t", frozenset(allowed_types))
            body.append(f"if type(v) not in {types_name}: return False")
        else:
            body.append("if v is None: return False")
        # cerberus's "empty" rule judges an empty value first: false refuses it, true skips
        # allowed, minlength, regex and check_with for it. Without the rule, an empty value
        # meets every rule as any other value does.
        guarded: list[str] = []  # the rules an allowed empty value skips
        if "allowed" in rule:
            allowed = self._name("a", frozenset(rule["allowed"]))
            guarded.append(f"if type(v) is list:\n        if not all(x in {allowed} for x in v):"
                           f" return False\n    elif v not in {allowed}: return False")
        for key, op in (("min", "<"), ("max", ">")):
            if key in rule:
                bound = self._name("b", rule[key])
                body.append(f"if v {op} {bound}: return False")
        if "regex" in rule:
            pattern = self._name("r", re.compile(rule["regex"]))
            guarded.append(f"if type(v) is str and not {pattern}.fullmatch(v): return False")
        if "minlength" in rule:
            guarded.append(f"if len(v) < {int(rule['minlength'])}: return False")
        if "check_with" in rule:
            method = getattr(self._probe, f"_check_with_{rule['check_with']}")
            passes = self._name("c", _passes(method))
            guarded.append(f"if not {passes}(v): return False")
        if "empty" not in rule:
            body += guarded
        elif not rule["empty"]:
            body += ["if hasattr(v, '__len__') and len(v) == 0: return False", *guarded]
        elif guarded:
            body.append("if not (hasattr(v, '__len__') and len(v) == 0):")
            body += ["    " + line.replace("\n", "\n    ") for line in guarded]
        inner = rule.get("schema")
        if isinstance(inner, dict):
            if "list" in names and "type" in inner:
                item = self.value(inner)
                body.append(f"for x in v:\n        if not {item}(x): return False")
            elif "dict" in names:
                loose = rule.get("allow_unknown", self.allow_unknown)
                body.append(f"if not {self.mapping(inner, loose)}(v): return False")
        if "keysrules" in rule:
            keys = self.value(rule["keysrules"])
            body.append(f"for x in v:\n        if not {keys}(x): return False")
        if "valuesrules" in rule:
            values = self.value(rule["valuesrules"])
            body.append(f"for x in v.values():\n        if not {values}(x): return False")
        self.lines += [f"def {fn}(v):", *(f"    {line}" for line in body), "    return True"]
        return fn

    def mapping(self, fields: Mapping[str, Mapping[str, Any]], loose: bool = False) -> str:
        """The name of a function: is this mapping exactly these fields (``loose``: at least
        these), each valid?"""
        checks = {name: self.value(rule) for name, rule in fields.items()}
        self._count += 1
        fn = f"m{self._count}"
        table = self._name("f", {})
        required = [name for name, rule in fields.items() if rule.get("required")]
        body = ["if type(d) is not dict: return False"]
        for name in required:
            body.append(f"if {name!r} not in d: return False")
        for name, rule in fields.items():
            excluded = rule.get("excludes")
            for other in ([excluded] if isinstance(excluded, str) else excluded or ()):
                body.append(f"if {name!r} in d and {other!r} in d: return False")
        body.append(f"get = {table}.get")
        unknown = "continue" if loose else "return False"
        body.append("for k, x in d.items():\n        f = get(k)\n"
                    f"        if f is None: {unknown}\n        if not f(x): return False")
        self.lines += [f"def {fn}(d):", *(f"    {line}" for line in body), "    return True"]
        self._tables = getattr(self, "_tables", [])
        self._tables.append((table, checks))
        return fn

    def build(self, schema: Mapping[str, Any]) -> Check:
        top = self.mapping(schema, self.allow_unknown)
        namespace: dict[str, Any] = dict(self.names)
        exec("\n".join(self.lines), namespace)  # sigen's own schema, never user text
        for table, checks in self._tables:
            namespace[table].update({k: namespace[v] for k, v in checks.items()})
        check: Check = namespace[top]
        return check


@functools.cache
def _document() -> Check:
    return _Compiler().build(load_schema())


def compiled(schema: Mapping[str, Any], allow_unknown: bool = False) -> Check:
    """Another cerberus schema (the records') compiled the same way: True only when a
    ``Validator(schema, allow_unknown=allow_unknown)`` would find no error; it raises on
    a value it cannot compare (ask cerberus then)."""
    return _Compiler(allow_unknown).build(schema)


def source() -> str:
    """The generated Python (for reading and for tests)."""
    compiler = _Compiler()
    compiler.build(load_schema())
    return "\n".join(compiler.lines)


def accepts(data: Any) -> bool:
    """True only when cerberus finds no error in ``data`` (False: ask cerberus)."""
    try:
        return _document()(data)
    except Exception:  # a value this compiler cannot compare: cerberus will say what it is
        return False
