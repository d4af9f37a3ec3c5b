"""procwright: start background processes, keep their output, and wait until they are
ready, from asyncio.

    import asyncio, procwright

    async def main():
        async with procwright.Sandbox() as sb:
            server = await sb.start_process("python3 -m http.server 8000")
            await server.wait_for_log("Serving HTTP", timeout=10)
            await server.wait_for_port(8000, timeout=10)

    asyncio.run(main())

Every time is in seconds (floats). Everything a sandbox started is killed when it is
destroyed, when it leaves ``async with``, when its last handle is garbage-collected and
at interpreter exit; should Python end without exiting (SIGKILL, SIGTERM, ``os._exit``),
a watchdog process kills it all within about a second.
"""

from __future__ import annotations

import atexit as _atexit

from ._errors import (
    CommandTimeoutError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProcessError,
    ProcessExitedBeforeReadyError,
    ProcessNotFoundError,
    ProcessReadyTimeoutError,
    SandboxError,
    SessionError,
)
from ._native import (
    DEFAULT_LOG_LIMIT,
    ExecResult,
    ExitResult,
    ListeningPort,
    LogEvent,
    LogMatch,
    Logs,
    LogStream,
    PortReady,
    Process,
    ProcessScope,
    Sandbox,
    Session,
    __version__,
    get_sandbox,
    shutdown_all,
)

__all__ = [
    "DEFAULT_LOG_LIMIT",
    "ExecResult",
    "ExitResult",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "ListeningPort",
    "LogEvent",
    "LogMatch",
    "LogStream",
    "Logs",
    "PortReady",
    "Process",
    "ProcessError",
    "ProcessExitedBeforeReadyError",
    "ProcessNotFoundError",
    "ProcessReadyTimeoutError",
    "CommandTimeoutError",
    "ProcessScope",
    "Sandbox",
    "SandboxError",
    "Session",
    "SessionError",
    "__version__",
    "get_sandbox",
    "shutdown_all",
]

# Errors show (and pickle) as procwright.X, where users import them from.
for _cls in (
    SandboxError,
    ProcessNotFoundError,
    ProcessReadyTimeoutError,
    CommandTimeoutError,
    ProcessExitedBeforeReadyError,
    ProcessError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    SessionError,
):
    _cls.__module__ = __name__
del _cls

# Children must not outlive the interpreter: SIGTERM, then SIGKILL after 2 s.
from ._native import _at_exit  # noqa: E402

_atexit.register(_at_exit)
