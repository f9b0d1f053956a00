"""Each course's events depend only on the seed and the course: ids come from per-course
stripes, random streams are per course, and the stream is ordered by (time, course ordinal).

Checked independently of how the engine orders things: the full stream is the merge, by
(event time, course ordinal), of streams that simulate one course each, and no course-level id
ever appears in two courses.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from canvas_sim.engine import Engine
from canvas_sim.outcome import rendered_events
from canvas_sim.render import Renderer
from canvas_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SMALL = {"load.yaml": {"courses": "4", "students_max": "45"}}

COURSE_IDS = (
    "submission_id",
    "assignment_id",
    "assignment_group_id",
    "enrollment_id",
    "quiz_id",
    "quiz_submission_id",
    "submission_comment_id",
)


def lines_of(path: Path, only: set[int] | None = None) -> list[bytes]:
    scenario, located = load_scenario(path, SMALL.get(path.name, {}))
    engine = Engine(scenario, located)
    return [event.line for event in rendered_events(engine, Renderer(), only)]


def course_count(path: Path) -> int:
    scenario, located = load_scenario(path, SMALL.get(path.name, {}))
    return len(Engine(scenario, located).courses)


def key(line: bytes) -> str:
    """The event's time as Canvas writes it (ISO with milliseconds sorts as text)."""
    return str(orjson.loads(line)["metadata"]["event_time"])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_stream_is_the_merge_of_one_course_streams(path: Path) -> None:
    full = lines_of(path)
    count = course_count(path)
    singles = [lines_of(path, {ordinal}) for ordinal in range(count)]
    assert sum(len(s) for s in singles) == len(full)
    # heapq.merge keeps earlier iterables first on equal keys: the course ordinal breaks ties.
    merged = list(heapq.merge(*singles, key=key))
    assert merged == full


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_course_level_ids_belong_to_one_course(path: Path) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in lines_of(path):
        event = orjson.loads(line)
        context = event["metadata"].get("context_id")
        for name in COURSE_IDS:
            value = event["body"].get(name)
            if value is not None and context is not None:
                owners[(name, str(value))].add(context)
    assert owners, "no course-level ids seen"
    shared = {ident: courses for ident, courses in owners.items() if len(courses) > 1}
    assert not shared


def test_more_courses_leave_the_first_ones_byte_for_byte() -> None:
    """The 2-course stream is, byte for byte and in order, a subsequence of the 4-course stream
    (ids, people, times, request ids: everything), and holds every event of its two courses."""

    def stream(count: int) -> list[bytes]:
        scenario, located = load_scenario(
            ROOT / "scenarios" / "load.yaml", {"courses": str(count), "students_max": "45"}
        )
        engine = Engine(scenario, located)
        return [e.line for e in rendered_events(engine, Renderer())]

    two, four = stream(2), stream(4)
    rest = iter(four)
    assert all(any(line == other for other in rest) for line in two)  # in order
    courses = {context(line) for line in two} - {None}
    mine = [line for line in four if context(line) in courses]
    assert len(courses) == 2 and set(mine) <= set(two) and len(mine) > len(two) // 2


def context(line: bytes) -> str | None:
    """The course an event is in (None: the account, or no context)."""
    meta = orjson.loads(line)["metadata"]
    return str(meta["context_id"]) if meta.get("context_type") == "Course" else None
