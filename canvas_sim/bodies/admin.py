"""Account, user, SIS, migration and LTI link events: user_account_association_created,
account_notification_created, sis_batch_* (ids local), content_migration_*,
master_migration_* (migration and template ids local, as Canvas's code sends them),
lti_resource_link_*, account_created / account_updated (ids global)."""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import body_time
from ..events import truncate
from ..records import SubAccount, ToolLink
from ..world import User, World


def lti_context_id(uuid: str) -> str:
    """A course's LTI context id: 40 hex characters, derived from its uuid."""
    return hashlib.sha1(uuid.encode()).hexdigest()


def association_fields(
    world: World, user: User, account_id: int, admin: bool, now: int
) -> dict[str, Any]:
    account = world.account
    return {
        "user_id": account.gid(user.id),
        "account_id": account.gid(account_id),
        "account_uuid": account.uuid,
        "created_at": body_time(now),
        "updated_at": body_time(now),
        "is_admin": admin,
    }


def notification_fields(
    notification_id: int,
    world: World,
    subject: str,
    message: str,
    icon: str,
    start_at: int,
    end_at: int,
    zone: ZoneInfo | None,
) -> dict[str, Any]:
    return {
        "account_notification_id": world.account.gid(notification_id),
        "subject": truncate(subject),
        "message": truncate(message),
        "icon": icon,
        "start_at": body_time(start_at, zone),
        "end_at": body_time(end_at, zone),
    }


def sis_batch_fields(world: World, batch_id: int, state: str) -> dict[str, Any]:
    return {
        "sis_batch_id": str(batch_id),
        "account_id": str(world.account.id),
        "workflow_state": state,
    }


def content_migration_fields(
    world: World, migration_id: int, source_uuid: str, migration_type: str, *, completed: bool
) -> dict[str, Any]:
    account, course = world.account, world.course
    lti_id = lti_context_id(course.uuid)
    fields: dict[str, Any] = {
        "content_migration_id": account.gid(migration_id),
        "context_id": account.gid(course.id),
        "context_type": "Course",
        "lti_context_id": lti_id,
        "context_uuid": course.uuid,
        "import_quizzes_next": False,
        "source_course_lti_id": lti_context_id(source_uuid),
        "source_course_uuid": source_uuid,
        "destination_course_lti_id": lti_id,
        "migration_type": migration_type,
    }
    if completed:
        fields["resource_map_url"] = None  # only when New Quizzes need it
    fields["domain"] = account.domain
    return fields


def master_migration_fields(world: World, migration_id: int, template_id: int) -> dict[str, Any]:
    account, course = world.account, world.course
    return {
        "master_migration_id": str(migration_id),
        "master_template_id": str(template_id),
        "account_id": account.gid(account.sub_account_id),
        "account_uuid": account.uuid,
        "blueprint_course_id": account.gid(course.id),
        "blueprint_course_uuid": course.uuid,
    }


def tool_link_fields(world: World, link: ToolLink) -> dict[str, Any]:
    gid = world.account.gid
    on_assignment = link.assignment_id is not None
    return {
        "resource_link_id": gid(link.id),
        "resource_link_uuid": link.uuid,
        "lookup_uuid": link.lookup_uuid,
        "context_id": gid(link.assignment_id if link.assignment_id else world.course.id),
        "context_type": "Assignment" if on_assignment else "Course",
        "context_external_tool_id": gid(link.tool_id),
        "url": link.url,
        "title": link.title,
        "workflow_state": link.workflow_state,
    }


def account_fields(world: World, sub: SubAccount) -> dict[str, Any]:
    account = world.account
    return {
        "name": sub.name,
        "account_id": account.gid(sub.id),
        "root_account_id": account.gid(account.id),
        "root_account_uuid": account.uuid,
        "parent_account_id": account.gid(sub.parent_id),
        "external_status": None,
        "workflow_state": sub.workflow_state,
        "domain": account.domain,
        "default_time_zone": sub.time_zone,
        "default_locale": None,
    }
