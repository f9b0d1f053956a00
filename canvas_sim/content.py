"""New assignment groups and assignments in a course's world, from their specs."""

from __future__ import annotations

import random

from .durations import datetime_to_ms
from .randoms import hex_token, rfc_uuid
from .specs import AssignmentSpec, GroupSpec
from .world import Assignment, AssignmentGroup, World
from .yamlsource import Located


def add_group(
    world: World,
    gspec: GroupSpec,
    start: int,
    now: int,
    rng: random.Random,
    located: Located,
    path: tuple[str | int, ...],
) -> AssignmentGroup:
    """A new assignment group, last in the course, with its assignments (created ``now``)."""
    course = world.course
    group = AssignmentGroup(
        id=world.ids.next("assignment_groups"),
        key=gspec.key,
        name=gspec.name or gspec.key.replace("_", " ").title(),
        position=len(course.groups) + 1,
        weight=gspec.weight,
        drop_lowest=gspec.drop_lowest,
        drop_highest=gspec.drop_highest,
        never_drop=frozenset(),
    )
    course.groups.append(group)
    for index, aspec in enumerate(gspec.assignments):
        if aspec.key in course.assignments:
            raise located.error(
                f"assignment key {aspec.key!r} is used twice", (*path, "assignments", index)
            )
        add_assignment(world, group, aspec, start, now, rng)
    unknown = [key for key in gspec.never_drop if key not in {a.key for a in group.assignments}]
    if unknown:
        raise located.error(
            f"never_drop names {unknown[0]!r}, which is not an assignment of group {gspec.key!r}",
            (*path, "never_drop"),
        )
    group.never_drop = frozenset(course.assignments[key].id for key in gspec.never_drop)
    return group


def add_assignment(
    world: World,
    group: AssignmentGroup,
    aspec: AssignmentSpec,
    start: int,
    now: int,
    rng: random.Random,
) -> Assignment:
    """A new assignment at the end of ``group``; a due offset counts from ``start``."""
    due = aspec.due
    due_ms = None if due is None else (start + due if isinstance(due, int) else datetime_to_ms(due))
    assignment = Assignment(
        id=world.ids.next("assignments"),
        key=aspec.key,
        title=aspec.title or aspec.key.replace("_", " ").title(),
        group=group,
        points_possible=aspec.points,
        grading_type=aspec.grading_type,
        submission_types=tuple(aspec.submission_types),
        due_at=due_ms,
        published=aspec.published,
        post_manually=aspec.post_policy == "manual",
        omit_from_final_grade=aspec.omit_from_final_grade,
        lti_assignment_id=rfc_uuid(rng),
        lti_resource_link_id=hex_token(rng, 40),
        created_at=now,
        quiz_id=world.ids.next("quizzes") if "online_quiz" in aspec.submission_types else None,
    )
    group.assignments.append(assignment)
    world.course.assignments[aspec.key] = assignment
    return assignment
