"""Runs process callbacks on the event loop that started the process.

The native module calls ``loop.call_soon_threadsafe(run, callback, name, args)``; ``run``
then executes on the loop's thread. A coroutine function's coroutine is scheduled as a
task. An exception is reported through the loop's exception handler and never reaches
the process.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Set

_tasks: Set["asyncio.Future[Any]"] = set()


def _report(loop: asyncio.AbstractEventLoop, name: str, callback: Any, exc: BaseException) -> None:
    loop.call_exception_handler(
        {
            "message": f"procwright: exception in {name} callback {callback!r}",
            "exception": exc,
        }
    )


def run(callback: Callable[..., Any], name: str, args: "tuple[Any, ...]") -> None:
    loop = asyncio.get_running_loop()
    try:
        result = callback(*args)
    except Exception as exc:  # reported, never raised into the loop or the process
        _report(loop, name, callback, exc)
        return
    if inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        _tasks.add(task)

        def done(t: "asyncio.Future[Any]") -> None:
            _tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                _report(loop, name, callback, t.exception())  # type: ignore[arg-type]

        task.add_done_callback(done)


async def awaiting(start: Callable[[], "asyncio.Future[Any]"]) -> Any:
    """The coroutine behind every async method: starts the Rust future when awaited."""
    return await start()


async def ready(value: Any) -> Any:
    """The coroutine of a method whose result the handle already has: no runtime trip."""
    return value


async def failed(error: BaseException) -> Any:
    """The coroutine of such a method whose answer is an error: raised when awaited."""
    raise error
