"""The step table: every step kind a scenario may use, in the order the docs list them."""

from __future__ import annotations

from typing import Any

from . import (
    accept_invitation,
    comment,
    conclude,
    create_assignment,
    create_group,
    drop,
    enroll,
    excuse,
    grade,
    hide_grades,
    override_grade,
    post_grades,
    reopen,
    set_status,
    submit,
    take_quiz,
    update_assignment,
    update_group,
)
from .base import StepKind

STEP_KINDS: dict[str, StepKind[Any]] = {
    kind.name: kind
    for kind in (
        enroll.KIND,
        accept_invitation.KIND,
        submit.KIND,
        grade.KIND,
        excuse.KIND,
        take_quiz.KIND,
        update_assignment.KIND,
        update_group.KIND,
        create_assignment.KIND,
        create_group.KIND,
        conclude.KIND,
        drop.KIND,
        reopen.KIND,
        post_grades.KIND,
        hide_grades.KIND,
        override_grade.KIND,
        set_status.KIND,
        comment.KIND,
    )
}
