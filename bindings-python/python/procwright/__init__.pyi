"""Type stubs of procwright. tests/python/test_stubs.py checks them against the module,
signature by signature.

Methods implemented natively return a coroutine but check their arguments when called
(bad arguments raise at the call, everything else when awaited), so they are declared
``def ... -> Coroutine[...]`` rather than ``async def``. A default of ``None`` means the
documented default: ``signal`` SIGTERM, ``timeout`` of ``kill`` 5 s, ``kill_timeout``
5 s, ``mode`` "http", ``path`` "/", ``status`` 200-399, ``auto_cleanup`` False,
``max_buffer`` 100 MiB.
"""

import datetime
import os
import re
import signal as _signal
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Dict,
    Generator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
    overload,
)

from ._errors import (
    InvalidArgumentError as InvalidArgumentError,
    CommandTimeoutError as CommandTimeoutError,
    InvalidArgumentTypeError as InvalidArgumentTypeError,
    ProcessError as ProcessError,
    ProcessExitedBeforeReadyError as ProcessExitedBeforeReadyError,
    ProcessNotFoundError as ProcessNotFoundError,
    ProcessReadyTimeoutError as ProcessReadyTimeoutError,
    SandboxError as SandboxError,
    SessionError as SessionError,
)

__version__: str
DEFAULT_LOG_LIMIT: int

ProcessStatus = Literal["starting", "running", "restarting", "completed", "failed", "killed", "error"]
# A policy name, or {"policy", "max_restarts", "backoff": {"initial", "max", "factor"},
# "reset_after"} with times in seconds.
RestartSpec = Union[Literal["no", "on-failure", "always"], Mapping[str, Any], None]
StreamName = Literal["stdout", "stderr"]
Seconds = Union[int, float]
Command = Union[str, Sequence[Union[str, "os.PathLike[str]"]]]
Env = Mapping[str, Optional[str]]
SignalLike = Union[str, int, _signal.Signals]
StatusSpec = Union[int, Tuple[int, int], Mapping[str, int], range]
# True: only the process tree's listener; False: any; None / "auto": any but a stale server's.
Owned = Union[bool, Literal["auto"], None]
Path = Union[str, "os.PathLike[str]"]
Callback = Callable[..., Union[None, Awaitable[None]]]

class Logs:
    """Output kept for a process."""
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def stdout_dropped(self) -> int: ...
    @property
    def stderr_dropped(self) -> int: ...
    @property
    def cursor(self) -> int:
        """Where to continue from: pass it as ``since=`` to get only newer output."""
    @property
    def truncated(self) -> bool:
        """Whether the log limit dropped output inside the window asked for."""

class LogMatch:
    """The line that satisfied ``wait_for_log``."""
    @property
    def line(self) -> str: ...
    @property
    def stream(self) -> StreamName: ...
    @property
    def match(self) -> Optional[List[Optional[str]]]: ...
    @property
    def named(self) -> Dict[str, Optional[str]]: ...
    @property
    def index(self) -> int: ...
    @property
    def cursor(self) -> int:
        """The cursor just after the line: ``since=`` this finds the next match."""

class ListeningPort:
    """A TCP socket in LISTEN state held by a process tree."""
    @property
    def port(self) -> int: ...
    @property
    def host(self) -> str:
        """The address it is bound to: ``"0.0.0.0"`` or ``"::"`` for every address."""
    @property
    def family(self) -> Literal["ipv4", "ipv6"]: ...
    @property
    def pid(self) -> int:
        """The OS pid of the process holding it."""
    @property
    def process_id(self) -> str:
        """The started process whose tree holds it."""

class PortReady:
    """What ``wait_for_port()`` without a port returns: the port the tree listens on."""
    @property
    def port(self) -> int: ...

class ExitResult:
    """How a process ended."""
    @property
    def exit_code(self) -> Optional[int]: ...
    @property
    def signal(self) -> Optional[str]: ...
    @property
    def status(self) -> ProcessStatus: ...

class ExecResult:
    """What ``exec`` returns."""
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def exit_code(self) -> int: ...
    @property
    def success(self) -> bool: ...
    @property
    def duration(self) -> float: ...
    @property
    def truncated(self) -> bool: ...
    @property
    def stdout_dropped(self) -> int: ...
    @property
    def stderr_dropped(self) -> int: ...
    @property
    def shell_restarted(self) -> bool: ...
    @property
    def command(self) -> str: ...

class LogEvent:
    """One log event; ``exit`` is always the last of a stream."""
    @property
    def type(self) -> Literal["stdout", "stderr", "truncated", "restart", "exit"]: ...
    @property
    def data(self) -> str: ...
    @property
    def process_id(self) -> str: ...
    @property
    def timestamp(self) -> datetime.datetime: ...
    @property
    def exit_code(self) -> Optional[int]: ...
    @property
    def cursor(self) -> int:
        """The cursor just after this event's data: ``since=`` this resumes after it."""
    @property
    def dropped(self) -> Optional[int]:
        """For ``truncated``: how many bytes the log limit dropped here."""
    def to_json(self) -> str: ...
    def to_sse(self) -> str: ...

class LogStream:
    """The log events of one process, for ``async for``; awaiting it gives itself."""
    @property
    def process_id(self) -> str: ...
    def __aiter__(self) -> LogStream: ...
    def __anext__(self) -> Awaitable[LogEvent]: ...
    def __await__(self) -> Generator[Any, None, LogStream]: ...

class Process:
    """A started process; every property is read from the live record."""
    @property
    def id(self) -> str: ...
    @property
    def pid(self) -> Optional[int]: ...
    @property
    def command(self) -> str: ...
    @property
    def status(self) -> ProcessStatus: ...
    @property
    def start_time(self) -> datetime.datetime: ...
    @property
    def end_time(self) -> Optional[datetime.datetime]: ...
    @property
    def exit_code(self) -> Optional[int]: ...
    @property
    def signal(self) -> Optional[str]: ...
    @property
    def session_id(self) -> Optional[str]: ...
    @property
    def restarts(self) -> int:
        """How many times the restart policy started it again."""
    def kill(self, signal: Optional[SignalLike] = None, *, timeout: Optional[Seconds] = None) -> Coroutine[Any, Any, None]: ...
    def write(self, data: Union[str, bytes, bytearray, memoryview]) -> Coroutine[Any, Any, None]: ...
    def close_stdin(self) -> Coroutine[Any, Any, None]: ...
    def resize(self, cols: int, rows: int) -> None: ...
    def get_status(self) -> Coroutine[Any, Any, ProcessStatus]: ...
    def get_logs(
        self,
        *,
        since: Optional[int] = None,
        tail: Optional[int] = None,
        stream: Optional[StreamName] = None,
        max_bytes: Optional[int] = None,
    ) -> Coroutine[Any, Any, Logs]: ...
    def wait_for_log(
        self,
        pattern: Union[str, "re.Pattern[str]"],
        timeout: Optional[Seconds] = None,
        *,
        times: Optional[int] = None,
        stream: Optional[StreamName] = None,
        since: Union[int, Literal["now"], None] = None,
    ) -> Coroutine[Any, Any, LogMatch]: ...
    @overload
    def wait_for_port(
        self,
        port: int,
        *,
        mode: Optional[Literal["http", "tcp"]] = None,
        path: Optional[str] = None,
        status: Optional[StatusSpec] = None,
        timeout: Optional[Seconds] = None,
        interval: Optional[Seconds] = None,
        host: Optional[str] = None,
        owned: Owned = None,
    ) -> Coroutine[Any, Any, None]: ...
    @overload
    def wait_for_port(
        self,
        port: None = None,
        *,
        timeout: Optional[Seconds] = None,
        interval: Optional[Seconds] = None,
    ) -> Coroutine[Any, Any, PortReady]:
        """Without a port: waits until the process tree listens on one."""
    def get_ports(self) -> Coroutine[Any, Any, List[ListeningPort]]:
        """The TCP sockets in LISTEN state the process tree holds."""
    def wait_for_exit(self, timeout: Optional[Seconds] = None) -> Coroutine[Any, Any, ExitResult]: ...
    def stream_logs(
        self,
        *,
        since: Optional[int] = None,
        replay: bool = True,
        follow: bool = True,
        stream: Optional[StreamName] = None,
    ) -> LogStream: ...

class ProcessScope:
    """The process methods a ``Sandbox`` and a ``Session`` share."""
    def start_process(
        self,
        command: Command,
        *,
        process_id: Optional[str] = None,
        cwd: Optional[Path] = None,
        env: Optional[Env] = None,
        timeout: Optional[Seconds] = None,
        kill_timeout: Optional[Seconds] = None,
        auto_cleanup: Optional[bool] = None,
        on_output: Optional[Callable[[StreamName, str], Union[None, Awaitable[None]]]] = None,
        on_exit: Optional[Callable[[Optional[int]], Union[None, Awaitable[None]]]] = None,
        on_start: Optional[Callable[[Process], Union[None, Awaitable[None]]]] = None,
        on_error: Optional[Callable[[SandboxError], Union[None, Awaitable[None]]]] = None,
        session_id: Optional[str] = None,
        stdin: Optional[Literal["pipe", "ignore"]] = None,
        pty: Union[bool, Mapping[str, int], None] = None,
        restart: RestartSpec = None,
    ) -> Coroutine[Any, Any, Process]: ...
    def list_processes(self) -> Coroutine[Any, Any, List[Process]]: ...
    def get_process(self, id: str) -> Coroutine[Any, Any, Optional[Process]]: ...
    def kill_process(
        self, id: str, signal: Optional[SignalLike] = None, *, timeout: Optional[Seconds] = None
    ) -> Coroutine[Any, Any, None]: ...
    def stop_process(self, id: str) -> Coroutine[Any, Any, None]: ...
    def kill_all_processes(self) -> Coroutine[Any, Any, int]: ...
    def list_ports(self) -> Coroutine[Any, Any, List[ListeningPort]]:
        """The TCP sockets in LISTEN state of every process, each with its ``process_id``."""
    def get_process_logs(
        self,
        id: str,
        *,
        since: Optional[int] = None,
        tail: Optional[int] = None,
        stream: Optional[StreamName] = None,
        max_bytes: Optional[int] = None,
    ) -> Coroutine[Any, Any, Logs]: ...
    def stream_process_logs(
        self,
        id: str,
        *,
        since: Optional[int] = None,
        replay: bool = True,
        follow: bool = True,
        stream: Optional[StreamName] = None,
    ) -> LogStream: ...

    def exec(
        self,
        command: Command,
        *,
        cwd: Optional[Path] = None,
        env: Optional[Env] = None,
        timeout: Optional[Seconds] = None,
        kill_timeout: Optional[Seconds] = None,
        on_output: Optional[Callable[[StreamName, str], Union[None, Awaitable[None]]]] = None,
        max_buffer: Optional[int] = None,
        input: Optional[Union[str, bytes, bytearray, memoryview]] = None,
    ) -> Coroutine[Any, Any, ExecResult]: ...

class Session(ProcessScope):
    """An isolated context in a sandbox: its own env, cwd and process list."""
    @property
    def id(self) -> str: ...
    @property
    def exists(self) -> bool: ...

class Sandbox(ProcessScope):
    """Starts and tracks background processes."""
    def __init__(
        self,
        cwd: Optional[Path] = None,
        env: Optional[Env] = None,
        shell: Optional[str] = None,
        log_limit: Optional[int] = None,
        log_dir: Optional[Path] = None,
    ) -> None: ...
    @property
    def shell(self) -> str: ...
    def create_session(
        self, id: Optional[str] = None, *, cwd: Optional[Path] = None, env: Optional[Env] = None
    ) -> Coroutine[Any, Any, Session]: ...
    def get_session(self, id: str) -> Coroutine[Any, Any, Session]: ...
    def delete_session(self, id: str) -> Coroutine[Any, Any, None]: ...
    def destroy(self) -> Coroutine[Any, Any, None]: ...
    def __aenter__(self) -> Awaitable[Sandbox]: ...
    def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> Awaitable[bool]: ...

def get_sandbox(name: Optional[str] = None) -> Sandbox: ...
def shutdown_all(grace: Optional[Seconds] = None) -> None: ...

__all__: List[str]
