"""The end-of-run summary, on stderr (stdout may be carrying the events)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .clock import event_time
from .run import RunResult

MAX_STUDENT_ROWS = 15


def _score(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_summary(result: RunResult, console: Console | None = None) -> None:
    console = console or Console(stderr=True, highlight=False)
    console.print(f"[bold]{result.scenario}[/bold] (seed {result.seed}): {result.total} events")
    if result.first_event_ms is not None and result.last_event_ms is not None:
        first, last = event_time(result.first_event_ms), event_time(result.last_event_ms)
        console.print(f"simulated time: {first} to {last}")
    if result.destinations:
        console.print(f"written to: {', '.join(result.destinations)}")
    by_type = Table("event type", "count", title="Events by type", title_justify="left")
    for name, count in sorted(result.events.items()):
        by_type.add_row(name, str(count))
    console.print(by_type)
    scores = Table(
        "student", "current", "final", "override", title="Final course scores", title_justify="left"
    )
    for student in result.students[:MAX_STUDENT_ROWS]:
        scores.add_row(
            f"{student.name} ({student.key})",
            _score(student.current_score),
            _score(student.final_score),
            _score(student.override),
        )
    if len(result.students) > MAX_STUDENT_ROWS:
        scores.add_row(f"... {len(result.students) - MAX_STUDENT_ROWS} more", "", "", "")
    console.print(scores)


@contextmanager
def live_progress(*, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A live event counter on stderr when it is a terminal; nothing otherwise."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("simulating: 0 events")

        def update(count: int) -> None:
            progress.update(task, description=f"simulating: {count:,} events")

        yield update
