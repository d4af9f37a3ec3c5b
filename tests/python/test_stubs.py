"""The stub is checked against the compiled module signature by signature
(scripts/check_stubs.py), and the checker itself catches each kind of drift."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, List, Optional

import procwright

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_stubs.py"
_spec = importlib.util.spec_from_file_location("check_stubs", SCRIPT)
assert _spec is not None and _spec.loader is not None
check_stubs = importlib.util.module_from_spec(_spec)
sys.modules["check_stubs"] = check_stubs
_spec.loader.exec_module(check_stubs)

STUB = Path(procwright.__file__).with_name("__init__.pyi")


# --------------------------------------------------------------- the real module


def test_the_stub_matches_the_compiled_module():
    assert check_stubs.check(STUB.read_text(), procwright) == []


def test_the_checker_reads_every_native_signature():
    # Guards the test above against passing vacuously: every native method has a
    # signature pyo3 wrote from the Rust code, and the constructor's is on the class.
    seen = 0
    for name in ("ProcessScope", "Sandbox", "Process", "LogEvent"):
        cls = getattr(procwright, name)
        for attr, value in vars(cls).items():
            if not attr.startswith("_") and callable(value):
                assert check_stubs.is_native(value), attr
                assert check_stubs.runtime_params(getattr(cls, attr)) is not None, attr
                seen += 1
    assert seen >= 17
    params = check_stubs.constructor_params(procwright.Sandbox)
    assert params is not None and [p.name for p in params][:2] == ["cwd", "env"]


def test_the_command_line_passes_today_and_fails_on_a_drifted_copy(tmp_path: Path):
    ok = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    drifted = (
        STUB.read_text()
        .replace("    def destroy(self)", "    async def destroy(self)")
        .replace("def wait_for_exit(self, timeout: Optional[Seconds] = None)", "def wait_for_exit(self, timeout: Seconds = 5.0)")
        .replace("def get_process(self, id: str)", "def get_process(self, process_id: str)")
        .replace("def shutdown_all(grace: Optional[Seconds] = None)", "def shutdown_all(*, grace: Optional[Seconds] = None)")
        .replace("    def close_stdin(self) -> Coroutine[Any, Any, None]: ...\n", "")
    )
    path = tmp_path / "__init__.pyi"
    path.write_text(drifted)
    bad = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert sorted(lines) == sorted(
        [
            "Sandbox.destroy: declared `async def` but implemented natively (it converts its arguments, "
            "and can raise, when called); declare `def ... -> Coroutine[Any, Any, T]` or `Awaitable[T]`",
            "Process.wait_for_exit: parameter 'timeout' defaults to 5.0 in the stub but to None at runtime",
            "ProcessScope.get_process: parameter 1 is 'process_id' in the stub but 'id' at runtime",
            "shutdown_all: parameter 'grace' is keyword-only in the stub but positional-or-keyword at runtime",
            "Process.close_stdin: at runtime but not in the stub",
        ]
    ), bad.stdout


# ------------------------------------------------- the checker on synthetic input


class Native:
    """Stands for a pyo3 method or function: a method descriptor whose signature is only
    its ``__text_signature__``, as inspect sees the compiled module's."""

    def __init__(self, text: str) -> None:
        self.__text_signature__ = text

    def __get__(self, obj: Any, objtype: Any = None) -> "Native":
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return None


class Getter:
    """Stands for a pyo3 getter (a getset_descriptor)."""

    def __get__(self, obj: Any, objtype: Any = None) -> str:
        return "sh"

    def __set__(self, obj: Any, value: Any) -> None:
        raise AttributeError("read-only")


class Scope:
    # pyo3 writes the signature of #[new] at the top of the class's doc, which gives the
    # class its __text_signature__.
    __doc__ = "Scope(shell=None, *, log_limit=1048576)\n--\n\nA scope."
    start = Native("($self, command, *, timeout=None, cwd=None, signal=\"SIGTERM\", grace=5.0)")
    stop = Native("($self, id, signal=None)")
    resize = Native("($self, cols, rows, /)")
    run = Native("($self, *args, **kwargs)")
    later = Native("($self, when=...)")  # pyo3 renders a default such as -1 or Some(5) as ...
    __aenter__ = Native("($self)")
    __aexit__ = Native("($self, exc_type, exc, tb)")
    shell = Getter()


async def helper(x: int = 1) -> int:  # a coroutine function written in Python
    return x


def plain(x: int = 1) -> int:  # a plain function written in Python
    return x


def fake_module(**extra: Any) -> types.SimpleNamespace:
    attrs = dict(Scope=Scope, get=Native("(name=None)"), helper=helper, plain=plain, VERSION="1")
    attrs.update(extra)
    return types.SimpleNamespace(**attrs, __all__=list(attrs))


GOOD = '''
from typing import Any, Awaitable, Coroutine, Optional
VERSION: str
class Scope:
    def __init__(self, shell: Optional[str] = None, *, log_limit: int = 1048576) -> None: ...
    def start(self, command: str, *, timeout: Optional[float] = None, cwd: Optional[str] = None,
              signal: str = 'SIGTERM', grace: float = 5.0) -> Coroutine[Any, Any, int]: ...
    def stop(self, id: str, signal: Optional[str] = None) -> Coroutine[Any, Any, None]: ...
    def resize(self, cols: int, rows: int, /) -> None: ...
    def run(self, *args: str, **kwargs: str) -> None: ...
    def later(self, when: int = -1) -> None: ...
    def __aenter__(self) -> Awaitable[Scope]: ...
    def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Awaitable[bool]: ...
    @property
    def shell(self) -> str: ...
def get(name: Optional[str] = None) -> Scope: ...
async def helper(x: int = 1) -> int: ...
def plain(x: int = 1) -> int: ...
'''


def run(stub: str, module: Optional[types.SimpleNamespace] = None) -> List[str]:
    return check_stubs.check(stub, module or fake_module())


def edit(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


def test_a_matching_stub_passes():
    assert run(GOOD) == []


def test_a_renamed_parameter_fails():
    assert run(edit("cwd: Optional[str]", "workdir: Optional[str]")) == [
        "Scope.start: parameter 3 is 'workdir' in the stub but 'cwd' at runtime"
    ]


def test_a_changed_default_fails():
    assert run(edit("signal: Optional[str] = None", "signal: Optional[str] = 'SIGTERM'")) == [
        "Scope.stop: parameter 'signal' defaults to 'SIGTERM' in the stub but to None at runtime"
    ]
    assert run(edit("signal: str = 'SIGTERM'", "signal: str = 'SIGKILL'")) == [
        "Scope.start: parameter 'signal' defaults to 'SIGKILL' in the stub but to 'SIGTERM' at runtime"
    ]
    # Compared as source text: 5 is not 5.0 (nor 1 True), though they compare equal.
    assert run(edit("grace: float = 5.0", "grace: float = 5")) == [
        "Scope.start: parameter 'grace' defaults to 5 in the stub but to 5.0 at runtime"
    ]
    # Quotes do not matter: "SIGTERM" is 'SIGTERM'.
    assert run(edit("signal: str = 'SIGTERM'", 'signal: str = "SIGTERM"')) == []
    # A default hidden behind `...` in the stub is a mismatch where the runtime shows it.
    assert run(edit("timeout: Optional[float] = None", "timeout: Optional[float] = ...")) == [
        "Scope.start: parameter 'timeout' defaults to ... in the stub but to None at runtime"
    ]


def test_a_default_pyo3_renders_as_ellipsis_is_compared_by_presence():
    assert run(edit("when: int = -1", "when: int = 7")) == []
    assert run(edit("when: int = -1", "when: int")) == [
        "Scope.later: parameter 'when' has no default in the stub but ... at runtime"
    ]


def test_a_missing_or_added_default_fails():
    assert run(edit("def get(name: Optional[str] = None)", "def get(name: Optional[str])")) == [
        "get: parameter 'name' has no default in the stub but None at runtime"
    ]
    assert run(edit("self, id: str, signal", "self, id: str = '', signal")) == [
        "Scope.stop: parameter 'id' has the default '' in the stub but none at runtime"
    ]


def test_a_missing_parameter_fails():
    assert run(edit(", cwd: Optional[str] = None", "")) == [
        "Scope.start: parameter 'cwd' (keyword-only cwd=None) is missing from the stub"
    ]


def test_an_extra_parameter_fails():
    assert run(edit("def plain(x: int = 1)", "def plain(x: int = 1, y: int = 2)")) == [
        "plain: parameter 'y' (positional-or-keyword y=2) is in the stub but not at runtime"
    ]


def test_keyword_only_against_positional_fails():
    assert run(edit("def stop(self, id: str, signal", "def stop(self, id: str, *, signal")) == [
        "Scope.stop: parameter 'signal' is keyword-only in the stub but positional-or-keyword at runtime"
    ]
    assert run(edit("self, cols: int, rows: int, /)", "self, cols: int, rows: int)")) == [
        "Scope.resize: parameter 'cols' is positional-or-keyword in the stub but positional-only at runtime",
        "Scope.resize: parameter 'rows' is positional-or-keyword in the stub but positional-only at runtime",
    ]


def test_star_args_and_kwargs_are_kinds_too():
    errors = run(edit("*args: str, **kwargs: str", "args: str, kwargs: str"))
    assert errors == [
        "Scope.run: parameter 'args' is positional-or-keyword in the stub but *args at runtime",
        "Scope.run: parameter 'kwargs' is positional-or-keyword in the stub but **kwargs at runtime",
    ]


def test_a_changed_order_fails():
    assert run(edit("def resize(self, cols: int, rows: int, /)", "def resize(self, rows: int, cols: int, /)")) == [
        "Scope.resize: parameters are in the order (rows, cols) in the stub but (cols, rows) at runtime"
    ]


def test_the_constructor_is_compared_with_the_class_text_signature():
    assert run(edit("log_limit: int = 1048576", "log_limit: int = 1024")) == [
        "Scope.__init__: parameter 'log_limit' defaults to 1024 in the stub but to 1048576 at runtime"
    ]
    without = edit(
        "    def __init__(self, shell: Optional[str] = None, *, log_limit: int = 1048576) -> None: ...\n", ""
    )
    assert run(without) == ["Scope: has a constructor at runtime but the stub declares no __init__ or __new__"]


def test_async_def_on_a_native_method_fails():
    for old, new, where in [
        ("    def stop(", "    async def stop(", "Scope.stop"),
        ("def get(", "async def get(", "get"),
        ("    def __aenter__(", "    async def __aenter__(", "Scope.__aenter__"),
        ("    def __aexit__(", "    async def __aexit__(", "Scope.__aexit__"),
    ]:
        errors = run(edit(old, new))
        assert len(errors) == 1 and errors[0].startswith(f"{where}: declared `async def` but implemented natively"), errors


def test_async_def_is_for_python_coroutine_functions_only():
    # helper is a coroutine function: `async def` or `def -> Coroutine` are both right.
    assert run(edit("async def helper(x: int = 1) -> int", "def helper(x: int = 1) -> Coroutine[Any, Any, int]")) == []
    assert inspect.iscoroutinefunction(helper)
    assert run(edit("async def helper(x: int = 1) -> int", "def helper(x: int = 1) -> int")) == [
        "helper: a coroutine function at runtime; declare it `async def` or `-> Coroutine[...]`"
    ]
    assert run(edit("def plain(", "async def plain(")) == [
        "plain: declared `async def` but not a coroutine function at runtime"
    ]


def test_a_missing_stub_fails():
    assert run(edit("    def stop(self, id: str, signal: Optional[str] = None) -> Coroutine[Any, Any, None]: ...\n", "")) == [
        "Scope.stop: at runtime but not in the stub"
    ]
    assert run(edit("    @property\n    def shell(self) -> str: ...\n", "")) == ["Scope.shell: at runtime but not in the stub"]
    assert run(edit("def plain(x: int = 1) -> int: ...\n", "")) == ["plain: exported at runtime but not in the stub"]
    assert run(edit("VERSION: str\n", "")) == ["VERSION: exported at runtime but not in the stub"]
    # Public names outside __all__ count too; submodules and __future__ imports do not.
    module = fake_module()
    module.extra = Native("()")
    module.sub = types
    module.annotations = annotations  # the _Feature `from __future__ import annotations` binds
    assert run(GOOD, module) == ["extra: exported at runtime but not in the stub"]


def test_a_stub_name_missing_at_runtime_fails():
    assert run(GOOD + "def gone() -> None: ...\n") == ["gone: in the stub but not at runtime"]
    assert run(GOOD + "MISSING: int\n") == ["MISSING: in the stub but not at runtime"]
    assert run(edit("    def stop(", "    def halt(self) -> None: ...\n    def stop(")) == [
        "Scope.halt: in the stub but not at runtime"
    ]
    errors = run(edit("def get(", "def got("))
    assert sorted(errors) == ["get: exported at runtime but not in the stub", "got: in the stub but not at runtime"]
    assert run("from ._errors import Gone as Gone\n" + GOOD) == ["Gone: re-exported by the stub but not at runtime"]


def test_a_property_must_be_declared_as_a_property_or_attribute():
    assert run(edit("    @property\n    def shell(self) -> str: ...", "    shell: str")) == []
    assert run(edit("    @property\n    def shell", "    def shell")) == [
        "Scope.shell: a method in the stub but a property at runtime"
    ]
    assert run(edit("    def stop(self, id: str, signal: Optional[str] = None) -> Coroutine[Any, Any, None]: ...", "    stop: Any")) == [
        "Scope.stop: a attribute in the stub but a method at runtime"
    ]
