"""The ``canvas-sim`` command line: a thin layer over the library, errors made into messages."""

from __future__ import annotations

from .check import check
from .drain import drain
from .events import events
from .explain import explain
from .group import GC_THRESHOLDS, main
from .keys import keys
from .locustfile import locustfile
from .receive import receive
from .replay import replay
from .report import report
from .run import run
from .schema import schema
from .schemas import schemas
from .validate import validate

# One line per command: adding a command is a module of its own and a line here.
for _command in (
    run,
    replay,
    drain,
    report,
    events,
    receive,
    keys,
    schema,
    explain,
    check,
    validate,
    schemas,
    locustfile,
):
    main.add_command(_command)

__all__ = ["GC_THRESHOLDS", "main"]
