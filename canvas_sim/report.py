"""The end-of-run summary, on stderr (stdout may be carrying the events)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from rich.console import Console as RichConsole
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .clock import event_time
from .delivery.summary import PLAIN_STATUS_EVERY_S, live_delivery
from .delivery.summary import print_delivery as delivery_summary
from .engine import CourseEngine, Engine
from .run import RunResult

MAX_STUDENT_ROWS = 15
__all__ = ["live_delivery", "print_delivery", "print_summary"]


class Console(RichConsole):
    """rich's console, except that a closed output (``| head``) raises BrokenPipeError, which
    the commands turn into exit 141, where rich would exit 1."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


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
    if not result.students:  # stopped before any student was enrolled
        console.print("final course scores: no students yet")
        return
    scores = Table(
        "student", "current", "final", "override", title="Final course scores", title_justify="left"
    )
    several = len({student.course for student in result.students}) > 1
    for student in result.students[:MAX_STUDENT_ROWS]:
        where = f", {student.course}" if several else ""
        scores.add_row(
            f"{student.name} ({student.key}{where})",
            _score(student.current_score),
            _score(student.final_score),
            _score(student.override),
        )
    if len(result.students) > MAX_STUDENT_ROWS:
        scores.add_row(f"... {len(result.students) - MAX_STUDENT_ROWS} more", "", "", "")
    console.print(scores)


@contextmanager
def live_progress(
    *, enabled: bool, plain_every_s: float = PLAIN_STATUS_EVERY_S
) -> Iterator[Callable[[int], None] | None]:
    """A live event counter and rate on stderr when it is a terminal; when it is not (a log,
    CI), the same as a plain line every ``plain_every_s`` seconds. The caller reports counts
    through the function yielded (None when disabled)."""
    if not enabled:
        yield None
        return
    console = Console(stderr=True)
    first: list[tuple[int, float]] = []  # (events, time) of the first report

    def describe(count: int) -> str:
        now = time.monotonic()
        if not first:
            first.append((count, now))
        seen, since = first[0]
        rate = f" ({(count - seen) / (now - since):,.0f}/s)" if now > since else ""
        return f"simulating: {count:,} events{rate}"

    if not console.is_terminal:
        printed = [time.monotonic()]

        def plain(count: int) -> None:
            line = describe(count)
            if time.monotonic() - printed[0] >= plain_every_s:
                printed[0] = time.monotonic()
                print(line, file=sys.stderr, flush=True)

        yield plain
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("building the courses and their people")

        def update(count: int) -> None:
            progress.update(task, description=describe(count))

        yield update


def print_delivery(result: RunResult, console: Console | None = None) -> None:
    """The delivery part of the summary (see :mod:`canvas_sim.delivery.summary`)."""
    if result.delivery is not None:
        delivery_summary(result.delivery, console)


def print_plan(path: str, engine: Engine) -> None:
    """What ``canvas-sim check`` prints first: the courses, their people, groups and steps."""
    console = Console(highlight=False)
    console.print(f"[bold]{path}[/bold]: scenario {engine.scenario.name!r}")
    blocks: dict[tuple[str | int, ...], list[CourseEngine]] = {}
    for course in engine.courses:
        blocks.setdefault(course.path, []).append(course)
    people = (("teacher", "teachers"), ("ta", "TAs"), ("student", "students"))
    for copies in blocks.values():
        first = copies[0].course
        roles = [role for copy in copies for role in copy.world.roles.values()]
        times = f"{len(copies)} copies of " if len(copies) > 1 else ""
        account = copies[0].world.account
        where = f", on {account.domain} (shard {account.shard})" if engine.scenario.accounts else ""
        console.print(
            f"{times}course {first.name!r} ({first.code}), "
            f"{'weighted by group' if first.weighted else 'points-based'}{where}"
        )
        total = "in all: " if len(copies) > 1 else ""
        console.print(
            f"  people {total}" + ", ".join(f"{roles.count(r)} {label}" for r, label in people)
        )
        for group in first.groups:
            keys = ", ".join(a.key for a in group.assignments) or "no assignments"
            console.print(f"  group {group.key} (weight {group.weight}): {keys}")
        console.print(f"  {copies[0].step_count} steps")
    console.print(f"seed {engine.seed}")


def print_verdict(path: str, *, dry_run: bool) -> None:
    """``canvas-sim check``'s verdict, said once, last (a mistake is an error instead)."""
    how = (
        "the format, every name and a dry run"
        if dry_run
        else "the format and every name; not simulated (--no-dry-run)"
    )
    Console(highlight=False).print(f"[bold]{path}[/bold]: valid scenario ({how})")


def print_counts(counts: Counter[str], first: int | None, last: int | None) -> None:
    """The dry run's part of ``canvas-sim check``: the time span and the events by type."""
    console = Console(highlight=False)
    if first is not None and last is not None:
        console.print(f"simulated time: {event_time(first)} to {event_time(last)}")
    total = sum(counts.values())
    table = Table("event type", "count", title=f"{total} events", title_justify="left")
    for name, count in sorted(counts.items()):
        table.add_row(name, str(count))
    console.print(table)


def print_explanation(data: dict[str, Any], console: Console | None = None) -> None:
    """``canvas-sim explain``: one student's groups, what they kept and dropped, the scores."""
    console = console or Console(highlight=False)
    console.print(
        f"[bold]{data['name']}[/bold] ({data['student']}) in {data['course']!r} "
        f"({data['course_code']}), enrollment {data['enrollment_state']}"
    )
    if data["weighted"]:
        console.print(
            "Weighted groups: each group's percent times its weight, over the groups with "
            "points possible, scaled up to 100 when their weights sum to less."
        )
    else:
        console.print("Points: 100 x the counted score over the counted points possible.")
    weighted = data["weighted"]
    table = Table(
        "group",
        *(("weight",) if weighted else ()),
        "current: score / possible",
        "final: score / possible",
        "dropped (current; final)",
        "unposted final",
        title="Posted grades (what the student sees), by group; unposted final: all grades",
        title_justify="left",
    )
    for group in data["groups"]:
        dropped = "; ".join(", ".join(group[p]["dropped"]) or "-" for p in ("current", "final"))
        table.add_row(
            group["group"],
            *((_number(group["weight"]),) if weighted else ()),
            _part(group["current"]),
            _part(group["final"]),
            dropped if dropped != "-; -" else "",
            _part(group["unposted_final"]),
        )
    console.print(table)
    if data["enrollment_state"] == "completed":
        console.print(
            "concluded: only submissions that do not exist are left out of final (in the posted "
            "pair, also those not posted); work never handed in has an unsubmitted placeholder, "
            "so it counts 0 in the unposted final until its grade is posted."
        )
    scores = data["scores"]
    console.print(
        f"current_score {_score_text(scores['current_score'])}, final_score "
        f"{_score_text(scores['final_score'])} (posted grades only); unposted_current_score "
        f"{_score_text(scores['unposted_current_score'])}, unposted_final_score "
        f"{_score_text(scores['unposted_final_score'])} (all grades)"
    )
    if scores["override_score"] is not None:
        console.print(f"override_score {_number(scores['override_score'])}")
    if data["recomputed_now"] is not None:
        now = data["recomputed_now"]
        console.print(
            "note: these are the scores of the last recompute; the table is of the grades now. "
            f"Recomputed now they would be current {_score_text(now['current_score'])}, final "
            f"{_score_text(now['final_score'])} (Canvas recomputes at the next grade change, "
            "not when an enrollment is concluded)."
        )


def _number(value: float) -> str:
    return f"{value:g}"


def _score_text(value: float | None) -> str:
    return "null" if value is None else f"{value:.2f}"


def _part(part: dict[str, Any]) -> str:
    if not part["counted"] and part["possible"] == 0:
        return "-"
    percent = "" if part["percent"] is None else f" ({part['percent']:.2f}%)"
    return f"{_number(part['score'])} / {_number(part['possible'])}{percent}"
