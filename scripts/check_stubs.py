#!/usr/bin/env python3
"""Checks procwright's type stub (__init__.pyi) against the compiled module, signature by
signature: parameter names, order, kinds and defaults, properties, missing or extra
names, and that nothing implemented natively is declared ``async def`` (a native method
converts its arguments when called, so it can raise before any await).

pyo3 writes each method's ``__text_signature__`` from the Rust ``#[pyo3(signature)]``, so
a changed name, default or parameter in the Rust code fails this check until the stub
follows.

    python scripts/check_stubs.py [path/to/__init__.pyi]

Exits 1 and prints one line per mismatch.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

KINDS = {
    "posonly": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "vararg": inspect.Parameter.VAR_POSITIONAL,
    "kwonly": inspect.Parameter.KEYWORD_ONLY,
    "kwarg": inspect.Parameter.VAR_KEYWORD,
}

# Dunders a stub must declare when the runtime class has them: the protocols users rely on.
PROTOCOL_DUNDERS = {"__aenter__", "__aexit__", "__aiter__", "__anext__", "__await__", "__init__"}

Param = Tuple[str, Any, Any]  # name, kind, default (inspect.Parameter.empty if none)


def is_native(obj: Any) -> bool:
    """Whether `obj` is implemented in C/Rust rather than written in Python."""
    return not (inspect.isfunction(obj) or inspect.ismethod(obj))


def stub_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> List[Param]:
    a = fn.args
    out: List[Param] = []
    positional = a.posonlyargs + a.args
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        kind = KINDS["posonly"] if i < len(a.posonlyargs) else KINDS["args"]
        out.append((arg.arg, kind, literal(default)))
    if a.vararg:
        out.append((a.vararg.arg, KINDS["vararg"], inspect.Parameter.empty))
    for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, KINDS["kwonly"], literal(kw_default)))
    if a.kwarg:
        out.append((a.kwarg.arg, KINDS["kwarg"], inspect.Parameter.empty))
    return out


def literal(node: Optional[ast.expr]) -> Any:
    if node is None:
        return inspect.Parameter.empty
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)  # e.g. `...`, compared as its source text


def runtime_params(obj: Any) -> Optional[List[Param]]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def describe(params: List[Param]) -> str:
    parts = []
    for name, kind, default in params:
        prefix = "*" if kind == KINDS["vararg"] else "**" if kind == KINDS["kwarg"] else ""
        text = prefix + name + ("" if default is inspect.Parameter.empty else f"={default!r}")
        tag = {KINDS["kwonly"]: "kw:", KINDS["posonly"]: "pos:"}.get(kind, "")
        parts.append(tag + text)
    return "(" + ", ".join(parts) + ")"


def compare(where: str, stub: List[Param], runtime: List[Param]) -> List[str]:
    if stub == runtime:
        return []
    return [f"{where}: stub {describe(stub)} != runtime {describe(runtime)}"]


def is_property(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "property")
        or (isinstance(d, ast.Attribute) and d.attr in ("getter", "setter"))
        for d in fn.decorator_list
    )


def check_function(
    where: str,
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    obj: Any,
    native: Callable[[Any], bool],
    drop_self: bool = False,
    method: bool = False,
) -> List[str]:
    errors = []
    if isinstance(fn, ast.AsyncFunctionDef) and native(obj):
        errors.append(
            f"{where}: declared `async def` but implemented natively (it can raise when "
            "called); declare `def ... -> Coroutine[Any, Any, T]` or `Awaitable[T]`"
        )
    runtime = runtime_params(obj)
    if runtime is None:
        return errors + [f"{where}: the runtime object has no readable signature"]
    stub = stub_params(fn)
    # `self` is positional-only at runtime (`$self`) and plain in a stub: not compared.
    if (method or drop_self) and stub and stub[0][0] in ("self", "cls"):
        stub = stub[1:]
    if method and runtime and runtime[0][0] in ("self", "cls"):
        runtime = runtime[1:]
    return errors + compare(where, stub, runtime)


def check_class(
    name: str, node: ast.ClassDef, cls: Any, native: Callable[[Any], bool]
) -> List[str]:
    errors: List[str] = []
    declared: Dict[str, Any] = {}
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            declared[item.name] = item
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            declared[item.target.id] = item
    for attr, item in declared.items():
        where = f"{name}.{attr}"
        if not hasattr(cls, attr):
            errors.append(f"{where}: in the stub but not at runtime")
            continue
        raw = inspect.getattr_static(cls, attr)
        if isinstance(item, ast.AnnAssign) or is_property(item):
            if not inspect.isdatadescriptor(raw):
                errors.append(f"{where}: a property in the stub but not at runtime")
            continue
        if inspect.isdatadescriptor(raw) and not callable(raw):
            errors.append(f"{where}: a method in the stub but a property at runtime")
            continue
        if attr == "__init__":
            # pyo3 puts the constructor's signature on the class itself.
            errors += check_function(where, item, cls, native, drop_self=True)
        else:
            errors += check_function(where, item, getattr(cls, attr), native, method=True)
    bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
    for attr, value in vars(cls).items():
        public = not attr.startswith("_") or attr in PROTOCOL_DUNDERS
        if not public or attr in declared:
            continue
        if any(attr in inherited for inherited in bases_declared(bases)):
            continue
        if attr == "__init__" and "__init__" not in vars(cls):
            continue
        errors.append(f"{name}.{attr}: at runtime but not in the stub")
    return errors


_CLASSES: Dict[str, ast.ClassDef] = {}


def bases_declared(bases: List[str]) -> List[set]:
    out = []
    for b in bases:
        node = _CLASSES.get(b)
        if node is not None:
            out.append(
                {i.name for i in node.body if isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef))}
                | {i.target.id for i in node.body if isinstance(i, ast.AnnAssign) and isinstance(i.target, ast.Name)}
            )
            out += bases_declared([x.id for x in node.bases if isinstance(x, ast.Name)])
    return out


def check(source: str, module: Any, native: Callable[[Any], bool] = is_native) -> List[str]:
    """Every mismatch between the stub `source` and `module`, one line each."""
    tree = ast.parse(source)
    errors: List[str] = []
    _CLASSES.clear()
    top: Dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            _CLASSES[node.name] = node
            top[node.name] = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            top[node.name] = node
    for name, node in top.items():
        if not hasattr(module, name):
            errors.append(f"{name}: in the stub but not at runtime")
            continue
        obj = getattr(module, name)
        if isinstance(node, ast.ClassDef):
            errors += check_class(name, node, obj, native)
        else:
            errors += check_function(name, node, obj, native)  # type: ignore[arg-type]
    exported = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
    stub_names = stub_exports(tree)
    for name in exported:
        if name not in stub_names:
            errors.append(f"{name}: exported at runtime but not in the stub")
    return errors


def stub_exports(tree: ast.Module) -> set:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def main(argv: List[str]) -> int:
    module = importlib.import_module("procwright")
    path = Path(argv[1]) if len(argv) > 1 else Path(module.__file__).with_name("__init__.pyi")
    errors = check(path.read_text(), module)
    for e in errors:
        print(e)
    print(f"{path}: {'OK' if not errors else f'{len(errors)} mismatch(es)'}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
