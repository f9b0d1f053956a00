"""Which Canvas events have a Caliper form, and that form: one table row per event type.

A row names the Caliper ``type`` and ``action``, where the actor, ``group`` and ``membership``
come from, and the object's type (for the checker); the object itself (and ``generated``) comes
from the event's template ``templates/caliper/<event_name>.json.j2``. Adding an event type is a
row here plus a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# actor: "request" = metadata.user_id, else body.user_id, else the application (CALIPER.md 2.2);
# "grader" = body.grader_id without extensions, else the application (GradeEvent).
Actor = Literal["request", "grader"]
# group: "context" = the metadata's Course context; "section" = the body's course section
# (enrollments); "body" = the metadata's context, else the body's Course context (files);
# "none" = never (logins, courses, account associations); "membership" = no group, but a
# membership of the body's course (syllabus_updated, the one such example).
Group = Literal["context", "section", "body", "none", "membership"]


@dataclass(frozen=True, slots=True)
class Form:
    """How one Canvas event type is rendered in Caliper."""

    type: str
    action: str
    object_type: str  # what the checker expects; "*" when it depends on the body (asset_accessed)
    actor: Actor = "request"
    group: Group = "context"


def _pair(kind: str, type_: str, object_type: str, group: Group = "context") -> dict[str, Form]:
    """``<kind>_created`` / ``<kind>_updated`` as Event / Created, Modified."""
    return {
        f"{kind}_created": Form(type_, "Created", object_type, group=group),
        f"{kind}_updated": Form(type_, "Modified", object_type, group=group),
    }


FORMS: dict[str, Form] = {
    "grade_change": Form("GradeEvent", "Graded", "Attempt", actor="grader"),
    "submission_created": Form("AssignableEvent", "Submitted", "Attempt"),
    "submission_updated": Form("Event", "Modified", "Attempt"),
    "quiz_submitted": Form("AssessmentEvent", "Submitted", "Attempt"),
    **_pair("enrollment", "Event", "Entity", group="section"),
    **_pair("enrollment_state", "Event", "Entity"),
    **_pair("course", "Event", "CourseOffering", group="none"),
    **_pair("assignment", "Event", "AssignableDigitalResource"),
    **_pair("assignment_override", "Event", "Entity"),
    **_pair("quiz", "Event", "Assessment"),
    "logged_in": Form("SessionEvent", "LoggedIn", "SoftwareApplication", group="none"),
    "logged_out": Form("SessionEvent", "LoggedOut", "SoftwareApplication", group="none"),
    "attachment_created": Form("Event", "Created", "Document", group="body"),
    "attachment_updated": Form("Event", "Modified", "Document", group="body"),
    "attachment_deleted": Form("Event", "Deleted", "Document", group="body"),
    "asset_accessed": Form("NavigationEvent", "NavigatedTo", "*"),
    "user_account_association_created": Form("Event", "Created", "Entity", group="none"),
    # Activity events (CALIPER.md section 4, last paragraph; bodies in CANVAS_ACTIVITY_EVENTS.md).
    "wiki_page_created": Form("Event", "Created", "Page"),
    "wiki_page_updated": Form("Event", "Modified", "Page"),
    "wiki_page_deleted": Form("Event", "Deleted", "Page"),
    "discussion_topic_created": Form("ThreadEvent", "Created", "Thread"),
    "discussion_entry_created": Form("MessageEvent", "Posted", "Message"),
    "syllabus_updated": Form("Event", "Modified", "Document", group="membership"),
    "group_category_created": Form("Event", "Created", "Entity"),
    "group_created": Form("Event", "Created", "Group"),
    "group_membership_created": Form("Event", "Created", "Membership", group="none"),
}

# Canvas events the simulator emits that Canvas has no Caliper form for (CALIPER.md section 4).
NO_FORM = frozenset(
    {
        "course_grade_change",
        "grade_override",
        "submission_comment_created",
        "submission_custom_grade_status",
        "final_grade_custom_status",
        "user_created",
        "user_updated",
        "course_section_created",
        "course_section_updated",
        "assignment_group_created",
        "assignment_group_updated",
        "rubric_assessed",
    }
)
