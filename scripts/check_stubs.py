#!/usr/bin/env python3
"""Checks procwright's type stub (__init__.pyi) against the compiled module, signature by
signature, and prints one line per mismatch:

- every public runtime name (``__all__``, and any other public attribute that is not a
  module) has a stub, and every name the stub declares exists at runtime;
- for each function and each method of a class: parameter names, order, kinds
  (positional-only, positional-or-keyword, keyword-only, ``*args``, ``**kwargs``) and
  defaults, compared as source text (``None``, ``5.0``, ``'SIGTERM'``);
- properties (pyo3 getters) are declared as properties or attributes, methods as
  methods, static and class methods as such; a constructor at runtime has one in the stub;
- no ``async def`` for anything implemented natively. A Rust method that returns an
  awaitable converts its arguments when it is called, so it can raise before any
  ``await``: the stub declares ``def name(...) -> Coroutine[Any, Any, T]`` (or
  ``Awaitable[T]``). ``async def`` is kept for Python functions that really are
  coroutine functions, which in turn must not be declared to return a plain value.

Where the runtime signature comes from: pyo3 writes ``__text_signature__`` from the Rust
``#[pyo3(signature = ...)]`` and ``inspect.signature`` parses it. pyo3 0.30 renders a
default as Python source only for ``None``, ``true``/``false`` (as ``True``/``False``),
and integer, float, string and char literals (``5``, ``5.0``, ``"SIGTERM"``); any other
expression (``-1``, ``Some(5)``, a constant, ``vec![]``) is rendered as ``...``. For such
a default only its presence can be compared; the stub may then write any default.
Integer suffixes are dropped (``5u64`` is ``5``), floats keep their spelling (``1.5e3``,
compared as ``1500.0``), strings keep Rust's quoting (``"SIGTERM"``, ``r"raw"``), so a
Rust-only escape such as ``"\\u{e9}"`` leaves no readable signature (reported as such).
An explicit ``#[pyo3(text_signature = "...")]`` is taken verbatim. (pyo3-macros-backend
0.30.1, ``expr_to_python``; checked on a built module.)

Slot methods (``__aiter__``, ``__anext__``, ``__await__``, ``__eq__`` ...) get their
signature from CPython, not from Rust (``($self, /)``): only their arity is compared.

    python scripts/check_stubs.py [--module procwright] [path/to/__init__.pyi]

Exits 0 when the stub matches, 1 when it does not.
"""

from __future__ import annotations

import __future__ as _future
import argparse
import ast
import importlib
import inspect
import sys
import types
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

P = inspect.Parameter
KIND_NAMES = {
    P.POSITIONAL_ONLY: "positional-only",
    P.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    P.VAR_POSITIONAL: "*args",
    P.KEYWORD_ONLY: "keyword-only",
    P.VAR_KEYWORD: "**kwargs",
}

# Dunders a stub must declare when the runtime class defines them: the protocols users
# rely on. Others (__repr__, __eq__, __hash__ ...) are inherited from `object` in the
# stub and need no declaration.
PROTOCOL_DUNDERS = {
    "__init__",
    "__new__",
    "__call__",
    "__aenter__",
    "__aexit__",
    "__aiter__",
    "__anext__",
    "__await__",
    "__enter__",
    "__exit__",
    "__iter__",
    "__next__",
    "__len__",
    "__contains__",
    "__getitem__",
    "__setitem__",
    "__delitem__",
}

# A default rendered but not known: pyo3 writes `...` for anything but simple literals.
UNKNOWN = "..."

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class Param(NamedTuple):
    name: str
    kind: Any  # an inspect.Parameter kind
    default: Optional[str]  # source text, UNKNOWN, or None when there is no default


# ----------------------------------------------------------------------------- runtime


def is_native(obj: Any) -> bool:
    """Whether `obj` is implemented in C/Rust (builtin function, method_descriptor, slot
    wrapper...) rather than written in Python."""
    obj = inspect.unwrap(obj) if callable(obj) else obj
    return not (inspect.isfunction(obj) or inspect.ismethod(obj))


def default_source(value: Any) -> Optional[str]:
    """A runtime default as normalized source text (the stub side goes through the same
    ast.unparse, so 'x' and "x" compare equal but 5 and 5.0, or 1 and True, do not)."""
    if value is P.empty:
        return None
    if value is Ellipsis:
        return UNKNOWN
    try:
        return ast.unparse(ast.parse(repr(value), mode="eval"))
    except SyntaxError:
        return UNKNOWN  # e.g. a sentinel object() in a Python function


def runtime_params(obj: Any) -> Optional[List[Param]]:
    """The parameters of a runtime callable, or None if it has no readable signature."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return [Param(p.name, p.kind, default_source(p.default)) for p in sig.parameters.values()]


class TextSignature:
    """Hands a bare ``__text_signature__`` string to inspect's own parser: inspect reads
    the text signature of any method-descriptor-like object."""

    def __init__(self, text: str) -> None:
        self.__text_signature__ = text

    def __get__(self, obj: Any, objtype: Any = None) -> "TextSignature":
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("not callable")


def constructor_params(cls: type) -> Optional[List[Param]]:
    """pyo3 puts the signature of ``#[new]`` on the class: ``Sandbox.__text_signature__``."""
    text = getattr(cls, "__text_signature__", None)
    if isinstance(text, str):
        return runtime_params(TextSignature(text))
    return runtime_params(cls)


def is_slot_wrapper(obj: Any) -> bool:
    return isinstance(obj, (types.WrapperDescriptorType, types.MethodWrapperType))


def runtime_kind(raw: Any) -> str:
    """What a class attribute is at runtime: method, staticmethod, classmethod, property
    (a data descriptor, e.g. a pyo3 getter) or attribute (a plain value)."""
    if isinstance(raw, staticmethod):
        return "staticmethod"
    if isinstance(raw, classmethod) or type(raw).__name__ == "classmethod_descriptor":
        return "classmethod"
    if inspect.isdatadescriptor(raw) and not callable(raw):
        return "property"
    if callable(raw):
        return "method"
    return "attribute"


def has_constructor(cls: type) -> bool:
    """A pyo3 class without ``#[new]`` inherits ``object.__new__`` and cannot be built.
    Under the stable ABI (the abi3 wheel) pyo3 gives such a class a ``__new__`` of its
    own that only raises "cannot create ... instances": that is no constructor either."""
    if getattr(cls, "__text_signature__", None) is not None:
        return True
    for k in cls.__mro__:
        if k is object:
            continue
        if "__init__" in vars(k):
            return True
        if "__new__" in vars(k) and not refuses_construction(k):
            return True
    return False


def refuses_construction(cls: type) -> bool:
    """Whether ``cls.__new__`` is pyo3's placeholder for a class without ``#[new]``."""
    try:
        new: Any = getattr(cls, "__new__")
        new(cls)
    except TypeError as e:
        return "cannot create" in str(e)
    return False


# -------------------------------------------------------------------------------- stub


def stub_default(node: Optional[ast.expr]) -> Optional[str]:
    return None if node is None else ast.unparse(node)


def stub_params(fn: FunctionNode) -> List[Param]:
    a = fn.args
    out: List[Param] = []
    positional = a.posonlyargs + a.args
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        # Old-style positional-only: a leading double underscore (PEP 484).
        posonly = i < len(a.posonlyargs) or (arg.arg.startswith("__") and not arg.arg.endswith("__"))
        name = arg.arg[2:] if i >= len(a.posonlyargs) and posonly else arg.arg
        out.append(Param(name, P.POSITIONAL_ONLY if posonly else P.POSITIONAL_OR_KEYWORD, stub_default(default)))
    if a.vararg:
        out.append(Param(a.vararg.arg, P.VAR_POSITIONAL, None))
    for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults):
        out.append(Param(arg.arg, P.KEYWORD_ONLY, stub_default(kw_default)))
    if a.kwarg:
        out.append(Param(a.kwarg.arg, P.VAR_KEYWORD, None))
    return out


def decorator_names(fn: FunctionNode) -> Set[str]:
    out = set()
    for d in fn.decorator_list:
        if isinstance(d, ast.Call):
            d = d.func
        if isinstance(d, ast.Name):
            out.add(d.id)
        elif isinstance(d, ast.Attribute):
            out.add(d.attr)
    return out


def stub_kind(item: ast.AST) -> str:
    if isinstance(item, ast.AnnAssign):
        return "attribute"
    assert isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    names = decorator_names(item)
    if names & {"property", "getter", "setter", "deleter", "cached_property"}:
        return "property"
    if "staticmethod" in names:
        return "staticmethod"
    if "classmethod" in names:
        return "classmethod"
    return "method"


def returns_awaitable(fn: FunctionNode) -> bool:
    """Whether the stub's return annotation is Coroutine[...] / Awaitable[...]."""
    node = fn.returns
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(node, ast.Subscript):
        node = node.value
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name in ("Coroutine", "Awaitable")


# ----------------------------------------------------------------------------- compare


def describe(p: Param) -> str:
    text = KIND_NAMES[p.kind] + " " + p.name
    return text + ("" if p.default is None else f"={p.default}")


def compare(where: str, stub: Sequence[Param], runtime: Sequence[Param], slot: bool = False) -> List[str]:
    """One line per difference between two parameter lists."""
    if slot:
        # CPython's generic signature, e.g. `($self, value, /)`: only the arity is Rust's.
        if len(stub) != len(runtime):
            return [f"{where}: takes {len(runtime)} argument(s) at runtime, {len(stub)} in the stub"]
        return []
    errors: List[str] = []
    sn = [p.name for p in stub]
    rn = [p.name for p in runtime]
    missing = [n for n in rn if n not in sn]
    extra = [n for n in sn if n not in rn]
    pairs: List[Tuple[Param, Param]] = []  # (stub param, runtime param) taken to be the same parameter
    # A name that differs at the same position, both unknown to the other side: a rename.
    for i in range(min(len(stub), len(runtime))):
        if sn[i] != rn[i] and sn[i] in extra and rn[i] in missing:
            errors.append(f"{where}: parameter {i + 1} is '{sn[i]}' in the stub but '{rn[i]}' at runtime")
            extra.remove(sn[i])
            missing.remove(rn[i])
            pairs.append((stub[i], runtime[i]))
    for p in runtime:
        if p.name in missing:
            errors.append(f"{where}: parameter '{p.name}' ({describe(p)}) is missing from the stub")
    for p in stub:
        if p.name in extra:
            errors.append(f"{where}: parameter '{p.name}' ({describe(p)}) is in the stub but not at runtime")
    by_name = {p.name: p for p in stub}
    pairs += [(by_name[p.name], p) for p in runtime if p.name in by_name]
    pairs.sort(key=lambda pair: list(runtime).index(pair[1]))
    for s, r in pairs:
        if s.kind != r.kind:
            errors.append(
                f"{where}: parameter '{r.name}' is {KIND_NAMES[s.kind]} in the stub but {KIND_NAMES[r.kind]} at runtime"
            )
        if s.default is None and r.default is not None:
            errors.append(f"{where}: parameter '{r.name}' has no default in the stub but {r.default} at runtime")
        elif s.default is not None and r.default is None:
            errors.append(f"{where}: parameter '{r.name}' has the default {s.default} in the stub but none at runtime")
        elif s.default != r.default and r.default != UNKNOWN and s.default is not None:
            errors.append(
                f"{where}: parameter '{r.name}' defaults to {s.default} in the stub but to {r.default} at runtime"
            )
    common_stub = [s.name for s, _ in sorted(pairs, key=lambda pair: list(stub).index(pair[0]))]
    common_runtime = [s.name for s, _ in pairs]
    if common_stub != common_runtime:
        errors.append(
            f"{where}: parameters are in the order ({', '.join(common_stub)}) in the stub "
            f"but ({', '.join(common_runtime)}) at runtime"
        )
    return errors


def check_async(where: str, fn: FunctionNode, obj: Any, native: Callable[[Any], bool]) -> List[str]:
    if native(obj):
        if isinstance(fn, ast.AsyncFunctionDef):
            return [
                f"{where}: declared `async def` but implemented natively (it converts its arguments, "
                "and can raise, when called); declare `def ... -> Coroutine[Any, Any, T]` or `Awaitable[T]`"
            ]
        return []
    func = inspect.unwrap(obj)
    if isinstance(func, (staticmethod, classmethod)):
        func = func.__func__
    coroutine = inspect.iscoroutinefunction(func)
    if isinstance(fn, ast.AsyncFunctionDef) and not coroutine:
        return [f"{where}: declared `async def` but not a coroutine function at runtime"]
    if coroutine and not isinstance(fn, ast.AsyncFunctionDef) and not returns_awaitable(fn):
        return [f"{where}: a coroutine function at runtime; declare it `async def` or `-> Coroutine[...]`"]
    return []


def check_function(
    where: str,
    fn: FunctionNode,
    obj: Any,
    native: Callable[[Any], bool],
    drop_first: bool = False,
    drop_runtime_first: bool = False,
    async_obj: Any = None,
) -> List[str]:
    errors = check_async(where, fn, obj if async_obj is None else async_obj, native)
    runtime = constructor_params(obj) if isinstance(obj, type) else runtime_params(obj)
    if runtime is None:
        return errors + [f"{where}: the runtime object has no readable signature"]
    stub = stub_params(fn)
    # `self` / `cls` is `$self` (positional-only) at runtime and plain in a stub: not compared.
    if drop_first and stub:
        stub = stub[1:]
    if drop_runtime_first and runtime:
        runtime = runtime[1:]
    return errors + compare(where, stub, runtime, slot=is_slot_wrapper(obj))


def class_members(node: ast.ClassDef) -> Dict[str, List[ast.AST]]:
    out: Dict[str, List[ast.AST]] = {}
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.setdefault(item.name, []).append(item)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            out.setdefault(item.target.id, []).append(item)
    return out


def check_member(where: str, items: List[ast.AST], cls: type, attr: str, native: Callable[[Any], bool]) -> List[str]:
    raw = inspect.getattr_static(cls, attr)
    real = runtime_kind(raw)
    # A property with a setter is two defs; an @overload'ed method several.
    overloads = [i for i in items if isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef)) and "overload" in decorator_names(i)]
    declared = stub_kind(items[0])
    if declared in ("property", "attribute"):
        if real not in ("property", "attribute"):
            return [f"{where}: a {declared} in the stub but a {real} at runtime"]
        return []
    if real in ("property", "attribute"):
        return [f"{where}: a {declared} in the stub but a {real} at runtime"]
    if attr in ("__init__", "__new__"):
        if not has_constructor(cls):
            return [f"{where}: declared in the stub but the class has no constructor at runtime"]
        fns = [i for i in items if isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef))]
        # pyo3 puts the constructor's signature on the class itself.
        return check_function(where, fns[0], cls, native, drop_first=True, async_obj=getattr(cls, attr))
    if declared != real:
        return [f"{where}: a {declared} in the stub but a {real} at runtime"]
    obj = getattr(cls, attr)
    fns = [i for i in items if isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if overloads:
        # Overloads are narrower than the implementation: only the async rule applies.
        return [e for fn in overloads for e in check_async(where, fn, obj, native)]
    return check_function(
        where, fns[0], obj, native, drop_first=declared != "staticmethod", drop_runtime_first=real == "method"
    )


def check_class(
    name: str, node: ast.ClassDef, cls: Any, native: Callable[[Any], bool], classes: Dict[str, ast.ClassDef]
) -> List[str]:
    if not isinstance(cls, type):
        return [f"{name}: a class in the stub but a {type(cls).__name__} at runtime"]
    errors: List[str] = []
    declared = class_members(node)
    for attr, items in declared.items():
        where = f"{name}.{attr}"
        try:
            inspect.getattr_static(cls, attr)
        except AttributeError:
            errors.append(f"{where}: in the stub but not at runtime")
            continue
        errors += check_member(where, items, cls, attr, native)
    inherited = set().union(*(class_members(c) for c in stub_bases(node, classes)))
    for attr in vars(cls):
        public = not attr.startswith("_") or attr in PROTOCOL_DUNDERS
        if not public or attr in declared or attr in inherited or attr in ("__init__", "__new__"):
            continue
        errors.append(f"{name}.{attr}: at runtime but not in the stub")
    own_constructor = (
        "__init__" in vars(cls)
        or ("__new__" in vars(cls) and not refuses_construction(cls))
        or getattr(cls, "__text_signature__", None) is not None
    )
    if own_constructor and not ({"__init__", "__new__"} & (set(declared) | inherited)):
        errors.append(f"{name}: has a constructor at runtime but the stub declares no __init__ or __new__")
    return errors


def stub_bases(node: ast.ClassDef, classes: Dict[str, ast.ClassDef]) -> List[ast.ClassDef]:
    out = []
    for b in node.bases:
        if isinstance(b, ast.Name) and b.id in classes and classes[b.id] is not node:
            out.append(classes[b.id])
            out += stub_bases(classes[b.id], classes)
    return out


def is_type_alias(node: ast.AnnAssign) -> bool:
    ann = node.annotation
    return (isinstance(ann, ast.Name) and ann.id == "TypeAlias") or (
        isinstance(ann, ast.Attribute) and ann.attr == "TypeAlias"
    )


def runtime_public_names(module: Any) -> List[str]:
    names = list(getattr(module, "__all__", []))
    for n, v in vars(module).items():
        if n.startswith("_") or n in names:
            continue
        if isinstance(v, (types.ModuleType, _future._Feature)):
            continue  # submodules and `from __future__ import annotations`
        names.append(n)
    return names


def check(source: str, module: Any, native: Callable[[Any], bool] = is_native) -> List[str]:
    """Every mismatch between the stub `source` and `module`, one line each."""
    tree = ast.parse(source)
    errors: List[str] = []
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions: Dict[str, List[FunctionNode]] = {}
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.setdefault(n.name, []).append(n)
    declared: Set[str] = set()  # every name the stub gives a type to
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            declared.add(node.name)
            if not hasattr(module, node.name):
                errors.append(f"{node.name}: in the stub but not at runtime")
            else:
                errors += check_class(node.name, node, getattr(module, node.name), native, classes)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
            if not is_type_alias(node) and not hasattr(module, node.target.id):
                errors.append(f"{node.target.id}: in the stub but not at runtime")
        elif isinstance(node, ast.Assign):
            declared.update(t.id for t in node.targets if isinstance(t, ast.Name))  # type aliases
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.asname is not None and alias.asname == alias.name:  # explicit re-export
                    declared.add(alias.name)
                    if not hasattr(module, alias.name):
                        errors.append(f"{alias.name}: re-exported by the stub but not at runtime")
    for name, fns in functions.items():
        declared.add(name)
        if not hasattr(module, name):
            errors.append(f"{name}: in the stub but not at runtime")
            continue
        obj = getattr(module, name)
        if isinstance(obj, type):
            errors.append(f"{name}: a function in the stub but a class at runtime")
            continue
        overloads = [fn for fn in fns if "overload" in decorator_names(fn)]
        if overloads:
            errors += [e for fn in overloads for e in check_async(name, fn, obj, native)]
        else:
            errors += check_function(name, fns[0], obj, native)
    for name in runtime_public_names(module):
        if name not in declared:
            errors.append(f"{name}: exported at runtime but not in the stub")
    return errors


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("stub", nargs="?", type=Path, help="the stub (default: the module's __init__.pyi)")
    parser.add_argument("--module", default="procwright", help="the runtime module (default: procwright)")
    args = parser.parse_args(argv)
    module = importlib.import_module(args.module)
    if args.stub is None and module.__file__ is None:
        parser.error(f"{args.module} has no __file__: give the stub's path")
    path = args.stub or Path(str(module.__file__)).with_name("__init__.pyi")
    errors = check(path.read_text(), module)
    for e in errors:
        print(e)
    print(f"{path}: {'OK' if not errors else f'{len(errors)} mismatch(es)'}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
