"""The step table: every step kind a scenario may use, in the order the docs list them."""

from __future__ import annotations

from typing import Any

from . import (
    accept_invitation,
    assess,
    comment,
    conclude,
    create_assignment,
    create_group,
    create_group_set,
    create_outcome,
    create_section,
    create_topic,
    discuss,
    drop,
    enroll,
    excuse,
    grade,
    hide_grades,
    join_group,
    message,
    override_grade,
    post_grades,
    reopen,
    set_mastery,
    set_status,
    submit,
    take_quiz,
    update_assignment,
    update_group,
    update_group_set,
    update_outcome,
    update_section,
    update_topic,
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
        create_topic.KIND,
        update_topic.KIND,
        discuss.KIND,
        message.KIND,
        create_group_set.KIND,
        update_group_set.KIND,
        join_group.KIND,
        create_section.KIND,
        update_section.KIND,
        create_outcome.KIND,
        update_outcome.KIND,
        set_mastery.KIND,
        assess.KIND,
    )
}
