"""The scenario step in the live line of a run paced by --speed (canvas_sim.marks): no output
byte changes; the step shown is the one of the event being sent, whether generated in this
process, in the producer child or by shard processes; a replay shows its place in the stream."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from canvas_sim.delivery import DeliveryStats
from canvas_sim.delivery.pacing import Schedule
from canvas_sim.delivery.summary import LiveLine
from canvas_sim.marks import StepMark
from canvas_sim.run import DeliveryOptions, deliver_scenario, run_scenario
from canvas_sim.scenario import load_scenario
from canvas_sim.signing import Signer, generate_key
from canvas_sim.sinks import MemorySink

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
LOAD = ROOT / "scenarios" / "load.yaml"


class Watching(MemorySink):
    """Keeps each line with the step the live line shows while that line is sent."""

    def __init__(self, stats: DeliveryStats) -> None:
        super().__init__()
        self.stats = stats
        self.steps: list[StepMark | None] = []

    def send(self, line: bytes) -> None:
        super().send(line)
        self.steps.append(self.stats.step)


def paced(path: Path, speed: float, **options: object) -> Watching:
    """``run PATH --speed SPEED`` to a watching sink (the run's live line reads the same stats)."""
    settings = {"courses": "3", "students_max": "45"} if path == LOAD else {}
    scenario, located = load_scenario(path, settings)
    stats = DeliveryStats()
    sink = Watching(stats)
    schedule = Schedule(speed=speed)
    delivery = DeliveryOptions(schedule=schedule, stats=stats, **options)  # type: ignore[arg-type]
    deliver_scenario(scenario, located, [sink], delivery, end_state=False)
    return sink


@cache
def unpaced(path: Path) -> tuple[bytes, ...]:
    settings = {"courses": "3", "students_max": "45"} if path == LOAD else {}
    scenario, located = load_scenario(path, settings)
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    return tuple(sink.lines)


def step_lines() -> list[int]:
    """The line of each step of demo.yaml, read from its text: the items under ``steps:``."""
    text = DEMO.read_text().splitlines()
    start = text.index("steps:")
    return [n + 1 for n, line in enumerate(text) if n > start and line.startswith("  - ")]


def test_each_event_is_sent_with_its_step_and_no_byte_changes() -> None:
    sink = paced(DEMO, speed=5000)
    assert tuple(sink.lines) == unpaced(DEMO)
    names = [line.split(b'"event_name":"', 1)[1].split(b'"', 1)[0].decode() for line in sink.lines]
    setup = names.index("enrollment_created")  # the course, its people and assignments
    assert set(names[:setup]) == {"course_created", "user_created", "assignment_group_created",
                                  "assignment_created"}  # fmt: skip
    assert sink.steps[:setup] == [None] * setup  # no step has started yet
    marks = [mark for mark in sink.steps[setup:] if mark is not None]
    assert len(marks) == len(sink.steps) - setup
    numbers = [mark.number for mark in marks]
    assert numbers == sorted(numbers)  # one course: the story moves forward
    lines = step_lines()
    assert len(lines) == 11
    shown = {mark.number: mark for mark in marks}
    assert sorted(shown) == list(range(1, 12))
    assert [shown[n].line for n in range(1, 12)] == lines
    assert {mark.file for mark in marks} == {"demo.yaml"} and {m.total for m in marks} == {11}
    kinds = {
        "grade_override": "override_grade",
        "quiz_submitted": "take_quiz",
        "submission_comment_created": "comment",
        "submission_custom_grade_status": "set_status",
        "enrollment_created": "enroll",
    }
    for name, mark in zip(names[setup:], marks, strict=True):
        if name in kinds:
            assert mark.kind == kinds[name], (name, mark)
    assert str(shown[4]) == f"step 4 of 11: demo.yaml:{lines[3]} grade"


def test_the_producer_child_carries_the_steps() -> None:
    in_process = paced(DEMO, speed=5000)
    child = paced(DEMO, speed=5000, producer_process=True)
    assert child.lines == in_process.lines and child.steps == in_process.steps


def test_shard_processes_carry_each_events_step() -> None:
    one = paced(LOAD, speed=10_000_000)
    two = paced(LOAD, speed=10_000_000, workers=2)
    assert tuple(two.lines) == tuple(one.lines) == unpaced(LOAD)
    assert two.steps == one.steps
    numbers = {mark.number for mark in one.steps if mark is not None}
    assert len(numbers) > 10 and None in one.steps  # setup events come before any step


def test_the_live_line_shows_the_step_or_the_place_in_a_replayed_stream() -> None:
    stats = DeliveryStats(schedule=Schedule(speed=20), clock_ms=1_725_894_090_010, total=78)
    stats.generated = 40
    text = LiveLine(stats)()
    assert text.startswith("simulated 2024-09-09T15:01:30.010Z | event 40 of 78 | sent 40 | ")
    stats.step = StepMark("demo.yaml", 62, "grade", 4, 11)
    text = LiveLine(stats)()
    assert "| step 4 of 11: demo.yaml:62 grade | " in text and "event 40" not in text
    stats.schedule = Schedule(rate=100)
    assert "step" not in LiveLine(stats)() and "simulated" not in LiveLine(stats)()


class SignedOptions(DeliveryOptions):
    """Delivery options whose events are signed ahead, as for a signed HTTP target."""

    @property
    def signer(self) -> Signer | None:
        return SIGNER


SIGNER = Signer(generate_key(), kid="k")


def signed_paced(path: Path, **options: object) -> Watching:
    settings = {"courses": "3", "students_max": "45"} if path == LOAD else {}
    scenario, located = load_scenario(path, settings)
    stats = DeliveryStats()
    sink = Watching(stats)
    delivery = SignedOptions(schedule=Schedule(speed=10_000_000), stats=stats, **options)  # type: ignore[arg-type]
    deliver_scenario(scenario, located, [sink], delivery, end_state=False)
    return sink


def test_signed_events_keep_their_steps_in_every_process_layout() -> None:
    """Signing ahead (signing processes beside the child, a thread, the shards' stamp) keeps
    each event's step with it."""
    one = paced(LOAD, speed=10_000_000)
    for options in ({}, {"producer_process": True, "signers": 2}, {"workers": 2}):
        signed = signed_paced(LOAD, **options)
        assert tuple(signed.lines) == unpaced(LOAD), options
        assert signed.steps == one.steps, options
