"""The `procwright` command, as the console script `pip install` puts on PATH: the
same Rust command as the binary's and npm's."""

from __future__ import annotations

import os
import sys

# The compiled module has no stub of its own; the package's is `__init__.pyi`.
from ._native import cli_main  # type: ignore[import-not-found]


def main() -> None:
    """Runs the command with this process's arguments and exits with its code."""
    code = 1
    try:
        code = int(cli_main(["procwright", *sys.argv[1:]]))
    except KeyboardInterrupt:
        # The command handles Ctrl-C itself (it stops the services); Python only
        # notices the signal once the command has returned.
        code = 130
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        # Not sys.exit: a Ctrl-C Python noticed late must not turn the command's exit
        # code into a traceback.
        os._exit(code)
