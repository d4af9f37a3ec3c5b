"""The stub is checked against the compiled module signature by signature
(scripts/check_stubs.py), and the checker itself catches each kind of drift."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import types
from pathlib import Path

import procwright

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_stubs", ROOT / "scripts" / "check_stubs.py")
assert _spec is not None and _spec.loader is not None
check_stubs = importlib.util.module_from_spec(_spec)
sys.modules["check_stubs"] = check_stubs
_spec.loader.exec_module(check_stubs)


def test_the_stub_matches_the_compiled_module():
    stub = Path(procwright.__file__).with_name("__init__.pyi").read_text()
    assert check_stubs.check(stub, procwright) == []


def test_the_checker_reads_every_native_signature():
    # Guards the test above against passing vacuously: every native method has a
    # signature pyo3 wrote from the Rust code.
    seen = 0
    for name in ("ProcessScope", "Sandbox", "Process"):
        for attr, value in vars(getattr(procwright, name)).items():
            if not attr.startswith("_") and callable(value):
                assert check_stubs.runtime_params(getattr(getattr(procwright, name), attr)) is not None, attr
                seen += 1
    assert seen >= 15


# A fake module whose "native" functions are the ones listed in NATIVE.
class Scope:
    def start(self, command, *, timeout=None, cwd=None):  # noqa: ANN001
        """native"""

    def stop(self, id, signal=None):  # noqa: ANN001, A002
        """native"""

    @property
    def shell(self) -> str:
        return "sh"


def get(name=None):  # noqa: ANN001
    """native"""


FAKE = types.SimpleNamespace(Scope=Scope, get=get, __all__=["Scope", "get"])
NATIVE = {Scope.start, Scope.stop, get}


def native(obj):  # noqa: ANN001
    return obj in NATIVE


GOOD = '''
from typing import Any, Coroutine, Optional
class Scope:
    def start(self, command: str, *, timeout: Optional[float] = None, cwd: Optional[str] = None) -> Coroutine[Any, Any, int]: ...
    def stop(self, id: str, signal: Optional[str] = None) -> Coroutine[Any, Any, None]: ...
    @property
    def shell(self) -> str: ...
def get(name: Optional[str] = None) -> Scope: ...
'''


def run(stub: str) -> list[str]:
    return check_stubs.check(stub, FAKE, native)


def test_a_matching_stub_passes():
    assert run(GOOD) == []


def test_a_renamed_parameter_fails():
    errors = run(GOOD.replace("cwd: Optional[str]", "workdir: Optional[str]"))
    assert len(errors) == 1 and errors[0].startswith("Scope.start:"), errors


def test_a_changed_default_fails():
    errors = run(GOOD.replace("signal: Optional[str] = None", "signal: Optional[str] = 'SIGTERM'"))
    assert len(errors) == 1 and "Scope.stop" in errors[0] and "SIGTERM" in errors[0], errors


def test_a_missing_parameter_fails():
    errors = run(GOOD.replace(", cwd: Optional[str] = None", ""))
    assert len(errors) == 1 and "cwd" in errors[0], errors


def test_keyword_only_against_positional_fails():
    errors = run(GOOD.replace("command: str, *, timeout", "command: str, timeout"))
    assert len(errors) == 1 and "kw:timeout" in errors[0], errors


def test_async_def_on_a_native_method_fails():
    errors = run(GOOD.replace("    def stop(", "    async def stop("))
    assert any("async def" in e and "Scope.stop" in e for e in errors), errors


def test_a_missing_or_extra_name_fails():
    errors = run(GOOD.replace("    def stop(self, id: str, signal: Optional[str] = None) -> Coroutine[Any, Any, None]: ...\n", ""))
    assert errors == ["Scope.stop: at runtime but not in the stub"], errors
    errors = run(GOOD + "def gone() -> None: ...\n")
    assert errors == ["gone: in the stub but not at runtime"], errors
    errors = run(GOOD.replace("def get(", "def got("))
    assert "got: in the stub but not at runtime" in errors
    assert "get: exported at runtime but not in the stub" in errors


def test_a_property_declared_as_a_method_fails():
    errors = run(GOOD.replace("    @property\n    def shell", "    def shell"))
    assert errors == ["Scope.shell: a method in the stub but a property at runtime"], errors


def test_python_coroutine_functions_may_be_async_def():
    async def helper(x: int = 1) -> int:
        return x

    fake = types.SimpleNamespace(helper=helper, __all__=["helper"])
    assert check_stubs.check("async def helper(x: int = 1) -> int: ...\n", fake) == []
    assert inspect.iscoroutinefunction(helper)
