"""The exceptions of procwright, one class per error code of the API contract.

Every class is a :class:`SandboxError` with a string ``code``; each subclass is also the
builtin exception a Python user would catch (``TimeoutError``, ``LookupError``,
``ValueError``, ``OSError``). The native module raises them by name.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

__all__ = [
    "SandboxError",
    "ProcessNotFoundError",
    "ProcessReadyTimeoutError",
    "CommandTimeoutError",
    "ProcessExitedBeforeReadyError",
    "ProcessError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "SessionError",
]


class SandboxError(Exception):
    """Base class of every procwright error.

    Attributes:
        code: the contract's code, e.g. ``"PROCESS_NOT_FOUND"``.
        message: what went wrong.
        process_id: the process concerned, if any.
        exit_code: the exit code of a process that ended before it was ready.
        condition: the awaited condition, e.g. ``"port 3000 (HTTP /)"``.
        last_lines: the last lines of the process's output, oldest first.
    """

    code: str = "SANDBOX_ERROR"

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        process_id: Optional[str] = None,
        exit_code: Optional[int] = None,
        condition: Optional[str] = None,
        last_lines: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.process_id = process_id
        self.exit_code = exit_code
        self.condition = condition
        self.last_lines = list(last_lines)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={getattr(self, name)!r}"
            for name in ("process_id", "exit_code", "condition")
            if getattr(self, name) is not None
        )
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}{extra})"

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: "type[SandboxError]", message: str, state: "dict[str, Any]") -> SandboxError:
    err = cls.__new__(cls, message)
    SandboxError.__init__(err, message)
    err.__dict__.update(state)
    return err


class ProcessNotFoundError(SandboxError, LookupError):
    """No process with that id (``PROCESS_NOT_FOUND``)."""

    code = "PROCESS_NOT_FOUND"


class ProcessReadyTimeoutError(SandboxError, TimeoutError):
    """A wait ran out of time (``PROCESS_READY_TIMEOUT``); the process keeps running."""

    code = "PROCESS_READY_TIMEOUT"


class CommandTimeoutError(SandboxError, TimeoutError):
    """A command run to completion (``exec``) outlived its timeout and was killed
    (``COMMAND_TIMEOUT``)."""

    code = "COMMAND_TIMEOUT"


class ProcessExitedBeforeReadyError(SandboxError):
    """The process ended before the awaited condition held
    (``PROCESS_EXITED_BEFORE_READY``); carries ``exit_code`` and ``last_lines``."""

    code = "PROCESS_EXITED_BEFORE_READY"


class ProcessError(SandboxError, OSError):
    """The process could not be started or signalled (``PROCESS_ERROR``)."""

    code = "PROCESS_ERROR"


class InvalidArgumentError(SandboxError, ValueError):
    """Bad input: ``INVALID_ARGUMENT``, ``INVALID_COMMAND``, ``INVALID_PATTERN`` or
    ``PROCESS_ID_IN_USE`` (``code`` tells which)."""

    code = "INVALID_ARGUMENT"


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type (``INVALID_ARGUMENT``): also a ``TypeError``."""


class SessionError(SandboxError):
    """``SESSION_ALREADY_EXISTS`` or ``SESSION_NOT_FOUND``."""

    code = "SESSION_NOT_FOUND"
