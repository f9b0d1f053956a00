"""The ``canvas-sim`` command group: its help, its version option and the process's GC setting."""

from __future__ import annotations

import gc

import click

from .. import __version__

GC_THRESHOLDS = (50_000, 20, 100)  # Python's defaults: (700, 10, 10)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="canvas-sim")
def main() -> None:
    """Simulate Canvas LMS Live Events from YAML scenarios.

    A scenario describes a course, or many (people, assignment groups, assignments), and what
    happens in them (enroll, submit, grade, excuse, quizzes, post, override, custom statuses,
    comments, assignments created or changed). The simulator keeps the course state and emits
    exactly the events Canvas would, with consistent old/new values and course scores
    recomputed by Canvas's rules. SCENARIO is a YAML file, or the name of a shipped one
    (quickstart, demo, semester, quiz-day, regrade-storm, edge-cases, load, campus-day, term).
    The scenario format: docs/scenarios.md, `canvas-sim schema`.

    \b
    Examples:
      canvas-sim run quickstart --to out/events.jsonl
      canvas-sim run quickstart --seed 7 --to - | jq .metadata.event_name
      canvas-sim check load --set courses=20
      canvas-sim receive --port 8080 &   # a consumer to send to, with a dashboard
      canvas-sim run load --set courses=20 --to http://127.0.0.1:8080/events
      canvas-sim events
    """
    # A run builds a large world of long-lived objects and makes little cyclic garbage, so the
    # collector's frequent young-generation passes mostly re-walk survivors. Running them less
    # often is a process-wide choice, so the command line makes it (docs/performance.md).
    gc.set_threshold(*GC_THRESHOLDS)
