"""``canvas-sim explain``: show how a student's course scores come out."""

from __future__ import annotations

import click
import orjson

from .helpers import clean_errors
from .options import parse_settings, seed_option, set_option


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.argument("student")  # a key, or a user id in its global or local form
@click.option(
    "--course",
    "course_code",
    metavar="CODE",
    help="The course (its code) when the student is in several; by default all of them (up to 10).",
)
@seed_option()
@set_option()
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@clean_errors
def explain(
    scenario: str,
    student: str,
    course_code: str | None,
    seed: int | None,
    settings: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show how STUDENT's course scores come out at the end of SCENARIO.

    STUDENT is the scenario's key of the person (student3), or a user id as the events carry
    it, global (21070000000004512) or local (4512), or the person's name.

    Runs the scenario in memory (writing nothing), then prints, for each assignment group, the
    score and points possible the calculator counted in the posted pass (what the student
    sees), the assignments its drop rules dropped, and the four course scores, as Canvas
    computes them. Use it when a consumer's own calculation disagrees with the events.

    \b
    Examples:
      canvas-sim explain scenarios/semester.yaml student3
      canvas-sim explain scenarios/load.yaml student7 --set courses=3 --course STAT-101-2
      canvas-sim explain scenarios/quickstart.yaml student1 --json
    """
    from ..engine import Engine
    from ..explain import enrolled, explain_student, find_student, student_key
    from ..report import live_progress, print_explanation
    from ..run import PROGRESS_EVERY
    from ..scenario import load_scenario

    scenario_model, located = load_scenario(scenario, parse_settings(settings))
    engine = Engine(scenario_model, located, seed)
    student = student_key(engine.courses, student)
    courses = find_student(engine.courses, student, course_code)
    with live_progress(enabled=not as_json) as progress:
        # Courses are independent: simulating the student's courses alone gives their end state.
        for total, _ in enumerate(engine.events({c.ordinal for c in courses}), start=1):
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
    explanations = [explain_student(course, student) for course in enrolled(courses, student)]
    if as_json:
        click.echo(orjson.dumps(explanations, option=orjson.OPT_INDENT_2).decode())
        return
    for explanation in explanations:
        print_explanation(explanation)
