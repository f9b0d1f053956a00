"""group_category_* (set id global, course local), group_* and group_membership_* (ids
global) and course_section_* (every id local)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..clock import body_time
from ..records import GroupSet, Membership, Section, StudentGroup
from ..world import World


def group_set_fields(world: World, group_set: GroupSet) -> dict[str, Any]:
    return {
        "group_category_id": world.account.gid(group_set.id),
        "group_category_name": group_set.name,
        "context_id": str(world.course.id),
        "context_type": "Course",
        "group_limit": group_set.group_limit,
    }


def group_fields(world: World, group: StudentGroup) -> dict[str, Any]:
    gid, group_set = world.account.gid, group.set
    return {
        "group_category_id": gid(group_set.id),
        "group_category_name": group_set.name,
        "group_id": gid(group.id),
        "uuid": group.uuid,
        "group_name": group.name,
        "context_type": "Course",
        "context_id": gid(world.course.id),
        "account_id": gid(world.account.sub_account_id),
        "workflow_state": group.workflow_state,
        "max_membership": group.max_membership,
    }


def membership_fields(world: World, membership: Membership) -> dict[str, Any]:
    gid, group = world.account.gid, membership.group
    return {
        "group_membership_id": gid(membership.id),
        "user_id": gid(membership.user.id),
        "group_id": gid(group.id),
        "group_name": group.name,
        "group_category_id": gid(group.set.id),
        "group_category_name": group.set.name,
        "workflow_state": membership.workflow_state,
    }


def section_fields(world: World, section: Section, zone: ZoneInfo | None) -> dict[str, Any]:
    course, account = world.course, world.account
    return {
        "course_section_id": str(section.id),
        "sis_source_id": section.sis_id,
        "sis_batch_id": None,
        "course_id": str(course.id),
        "root_account_id": str(account.id),
        "enrollment_term_id": str(world.ids.account_first("enrollment_terms")),
        "name": section.name,
        "default_section": section.id == course.default_section_id,
        "accepting_enrollments": section.workflow_state == "active",
        "can_manually_enroll": None,
        "start_at": body_time(section.start_at, zone),
        "end_at": body_time(section.end_at, zone),
        "workflow_state": section.workflow_state,
        "restrict_enrollments_to_section_dates": section.restrict_to_dates,
        "nonxlist_course_id": None,
        "stuck_sis_fields": [],
        "integration_id": None,
    }
