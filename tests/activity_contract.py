"""The discussion, conversation, group, section, outcome and admin events as
CANVAS_ACTIVITY_EVENTS describes them, written by hand from that reference (never from the
simulator): each body's keys with their kinds, and checks of a stream's state consistency."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventspec import BOOL, GID, INT, LID, NUM, STR, TS, UUID40, Kind, one_of

TEXT = STR  # trunc fields: strings of at most 8192 characters (checked below)


@dataclass(frozen=True)
class Body:
    """Keys always sent (nullable ones may be omitted with --nulls omit) and keys sent only in
    some cases (absent otherwise)."""

    always: dict[str, Kind]
    sometimes: dict[str, Kind] = field(default_factory=dict)


TOPIC = Body(
    {
        "discussion_topic_id": GID,
        "is_announcement": BOOL,
        "title": TEXT.null(),
        "body": TEXT.null(),
        "assignment_id": LID.null(),
        "context_id": LID,
        "context_type": one_of("Course", "Group"),
        "workflow_state": one_of("active", "unpublished", "post_delayed", "deleted", "locked"),
        "lock_at": TS.null(),
        "updated_at": TS,
    }
)
ENTRY = {
    "user_id": LID,
    "created_at": TS,
    "discussion_entry_id": LID,
    "discussion_topic_id": LID,
    "text": TEXT.null(),
}
GROUP_SET = Body(
    {
        "group_category_id": GID,
        "group_category_name": STR.null(),
        "context_id": LID,
        "context_type": one_of("Course", "Account"),
        "group_limit": INT.null(),
    }
)
GROUP = Body(
    {
        "group_category_id": GID.null(),
        "group_category_name": STR.null(),
        "group_id": GID,
        "uuid": UUID40,
        "group_name": STR.null(),
        "context_type": one_of("Course", "Account"),
        "context_id": GID,
        "account_id": GID,
        "workflow_state": one_of("available", "closed", "completed", "deleted"),
        "max_membership": INT.null(),
    }
)
MEMBERSHIP = Body(
    {
        "group_membership_id": GID,
        "user_id": GID,
        "group_id": GID,
        "group_name": STR.null(),
        "group_category_id": GID.null(),
        "group_category_name": STR.null(),
        "workflow_state": one_of("accepted", "invited", "requested", "rejected", "deleted"),
    }
)
STRINGS = Kind(
    "array of strings", lambda v, _: isinstance(v, list) and all(isinstance(x, str) for x in v)
)
SECTION = Body(
    {
        "course_section_id": LID,
        "sis_source_id": STR.null(),
        "sis_batch_id": LID.null(),
        "course_id": LID,
        "root_account_id": LID,
        "enrollment_term_id": LID.null(),
        "name": STR,
        "default_section": BOOL,
        "accepting_enrollments": BOOL.null(),
        "can_manually_enroll": BOOL.null(),
        "start_at": TS.null(),
        "end_at": TS.null(),
        "workflow_state": one_of("active", "deleted"),
        "restrict_enrollments_to_section_dates": BOOL.null(),
        "nonxlist_course_id": LID.null(),
        "stuck_sis_fields": STRINGS.null(),
        "integration_id": STR.null(),
    }
)
UUID = UUID40
OBJ = Kind("object", lambda v, _: isinstance(v, dict))
LIST = Kind("array", lambda v, _: isinstance(v, list))
OUTCOME = {
    "learning_outcome_id": LID,
    "display_name": STR.null(),
    "short_description": STR.null(),
    "description": TEXT.null(),
    "vendor_guid": STR.null(),
    "calculation_method": STR.null(),
    "calculation_int": INT.null(),
    "rubric_criterion": OBJ.null(),
    "title": STR,
    "workflow_state": one_of("active", "deleted"),
    "copied_from_outcome_id": LID.null(),
}
CONTEXT_L = {"context_type": one_of("Course", "Account"), "context_id": LID}
OUTCOME_CONTEXT = {**CONTEXT_L, "context_uuid": UUID}
OUTCOME_GROUP = {
    "learning_outcome_group_id": LID,
    **OUTCOME_CONTEXT,
    "title": STR,
    "description": TEXT.null(),
    "vendor_guid": STR.null(),
    "parent_outcome_group_id": LID.null(),
    "parent_outcome_group_context_uuid": UUID.null(),
    "workflow_state": one_of("active", "deleted"),
}
OUTCOME_LINK = {
    "learning_outcome_link_id": LID,
    "learning_outcome_id": LID,
    "learning_outcome_context_uuid": UUID.null(),
    "learning_outcome_group_id": LID,
    "learning_outcome_group_context_uuid": UUID.null(),
    **CONTEXT_L,
    "workflow_state": one_of("active", "deleted"),
}
PROFICIENCY = {
    "outcome_proficiency_id": LID,
    **CONTEXT_L,
    "workflow_state": one_of("active", "deleted"),
    "outcome_proficiency_ratings": LIST,
}
CALCULATION = {
    "outcome_calculation_method_id": LID,
    **CONTEXT_L,
    "workflow_state": one_of("active", "deleted"),
    "calculation_method": one_of("decaying_average", "n_mastery", "latest", "highest", "average"),
    "calculation_int": INT.null(),
}
RESULT = {
    "id": LID,
    "learning_outcome_id": LID,
    "learning_outcome_context_uuid": UUID.null(),
    "result_context_id": LID.null(),
    "result_context_type": one_of("Course", "Account").null(),
    "result_context_uuid": UUID.null(),
    "mastery": BOOL.null(),
    "score": NUM.null(),
    "possible": NUM.null(),
    "original_score": NUM.null(),
    "original_possible": NUM.null(),
    "percent": NUM.null(),
    "original_mastery": BOOL.null(),
    "created_at": TS,
    "attempt": INT.null(),
    "assessed_at": TS.null(),
    "workflow_state": one_of("active", "deleted"),
    "user_uuid": UUID,
    "associated_asset_id": LID.null(),
    "associated_asset_type": STR.null(),
    "artifact_id": LID.null(),
    "artifact_type": STR.null(),
}
UPDATED = {"updated_at": TS}
RFC4122 = Kind("rfc uuid", lambda v, _: isinstance(v, str) and len(v) == 36 and v.count("-") == 4)
SIS_BATCH = Body(
    {
        "sis_batch_id": LID,
        "account_id": LID,
        "workflow_state": one_of(
            "initializing", "created", "importing", "imported", "imported_with_messages",
            "failed", "failed_with_messages", "aborted",
        ),
    }
)  # fmt: skip
MIGRATION = {
    "content_migration_id": GID,
    "context_id": GID,
    "context_type": one_of("Course"),
    "lti_context_id": STR.null(),
    "context_uuid": UUID,
    "import_quizzes_next": BOOL.null(),
    "source_course_lti_id": STR.null(),
    "source_course_uuid": UUID.null(),
    "destination_course_lti_id": STR.null(),
    "migration_type": STR.null(),
    "domain": STR.null(),
}
MASTER = Body(
    {
        "master_migration_id": LID,
        "master_template_id": LID,
        "account_id": GID,
        "account_uuid": UUID,
        "blueprint_course_id": GID,
        "blueprint_course_uuid": UUID,
    }
)
TOOL_LINK = Body(
    {
        "resource_link_id": GID,
        "resource_link_uuid": RFC4122,
        "lookup_uuid": RFC4122,
        "context_id": GID,
        "context_type": one_of("Course", "Assignment"),
        "context_external_tool_id": GID,
        "url": STR.null(),
        "title": STR.null(),
        "workflow_state": one_of("active", "deleted"),
    }
)
ACCOUNT = Body(
    {
        "name": STR,
        "account_id": GID,
        "root_account_id": GID,
        "root_account_uuid": UUID,
        "external_status": STR.null(),
        "workflow_state": one_of("active", "deleted", "suspended"),
        "domain": STR.null(),
        "default_time_zone": STR.null(),
        "default_locale": STR.null(),
    },
    {"parent_account_id": GID},
)
BODIES: dict[str, Body] = {
    "discussion_topic_created": TOPIC,
    "discussion_topic_updated": TOPIC,
    "discussion_entry_created": Body(ENTRY, {"parent_discussion_entry_id": LID.null()}),
    "discussion_entry_submitted": Body(
        ENTRY,
        {
            "parent_discussion_entry_id": LID.null(),
            "assignment_id": LID.null(),
            "submission_id": LID.null(),
        },
    ),
    "conversation_created": Body({"conversation_id": LID, "updated_at": TS}),
    "conversation_forwarded": Body({"conversation_id": LID, "updated_at": TS}),
    "conversation_message_created": Body(
        {"author_id": LID, "conversation_id": LID, "created_at": TS, "message_id": LID}
    ),
    "group_category_created": GROUP_SET,
    "group_category_updated": GROUP_SET,
    "group_created": GROUP,
    "group_updated": GROUP,
    "group_membership_created": MEMBERSHIP,
    "group_membership_updated": MEMBERSHIP,
    "course_section_created": SECTION,
    "course_section_updated": SECTION,
    "learning_outcome_created": Body(OUTCOME, OUTCOME_CONTEXT),
    "learning_outcome_updated": Body({**OUTCOME, **UPDATED}, OUTCOME_CONTEXT),
    "learning_outcome_group_created": Body(OUTCOME_GROUP),
    "learning_outcome_group_updated": Body({**OUTCOME_GROUP, **UPDATED}),
    "learning_outcome_link_created": Body(OUTCOME_LINK),
    "learning_outcome_link_updated": Body({**OUTCOME_LINK, **UPDATED}),
    "outcome_proficiency_created": Body(PROFICIENCY),
    "outcome_proficiency_updated": Body({**PROFICIENCY, **UPDATED}),
    "outcome_calculation_method_created": Body(CALCULATION),
    "outcome_calculation_method_updated": Body({**CALCULATION, **UPDATED}),
    "rubric_assessed": Body(
        {
            "id": LID,
            "aligned_to_outcomes": BOOL,
            "artifact_id": LID,
            "artifact_type": one_of(
                "Submission", "ModeratedGrading::ProvisionalGrade", "Assignment"
            ),
            "assessment_type": one_of("grading", "peer_review", "provisional_grade"),
            "context_uuid": UUID.null(),
            "submitted_at": TS,
            "created_at": TS,
            "updated_at": TS,
            "attempt": INT.null(),
        }
    ),
    "learning_outcome_result_created": Body(RESULT),
    "learning_outcome_result_updated": Body({**RESULT, **UPDATED}),
    "user_updated": Body(
        {
            "user_id": GID,
            "uuid": UUID,
            "name": STR,
            "short_name": STR,
            "workflow_state": one_of("pre_registered", "registered", "deleted"),
            "created_at": TS,
            "updated_at": TS,
            "user_login": STR.null(),
            "user_sis_id": STR.null(),
        }
    ),
    "user_account_association_created": Body(
        {
            "user_id": GID,
            "account_id": GID,
            "account_uuid": UUID,
            "created_at": TS,
            "updated_at": TS,
            "is_admin": BOOL,
        }
    ),
    "account_notification_created": Body(
        {
            "account_notification_id": GID,
            "subject": TEXT,
            "message": TEXT,
            "icon": one_of("warning", "information", "question", "error", "calendar"),
            "start_at": TS.null(),
            "end_at": TS.null(),
        }
    ),
    "sis_batch_created": SIS_BATCH,
    "sis_batch_updated": SIS_BATCH,
    "content_migration_started": Body(MIGRATION),
    "content_migration_completed": Body(MIGRATION, {"resource_map_url": STR.null()}),
    "master_migration_started": MASTER,
    "master_migration_completed": MASTER,
    "lti_resource_link_created": TOOL_LINK,
    "lti_resource_link_updated": TOOL_LINK,
    "account_created": ACCOUNT,
    "account_updated": ACCOUNT,
    "plagiarism_resubmit": Body(
        {
            "submission_id": GID,
            "assignment_id": GID,
            "user_id": GID,
            "submitted_at": TS.null(),
            "lti_user_id": STR.null(),
            "graded_at": TS.null(),
            "updated_at": TS,
            "score": NUM.null(),
            "grade": STR.null(),
            "submission_type": STR.null(),
            "body": TEXT.null(),
            "url": STR.null(),
            "attempt": INT.null(),
            "late": BOOL,
            "missing": BOOL,
            "lti_assignment_id": STR.null(),
            "group_id": LID.null(),
            "posted_at": TS.null(),
            "workflow_state": one_of("unsubmitted", "submitted", "graded", "pending_review"),
        },
        {"associated_integration_id": STR.null()},
    ),
}


def check_activity_body(event: dict[str, Any], shard: int, omitted_nulls: bool) -> list[str]:
    """The body's key set and kinds; with ``omitted_nulls`` no key is null."""
    name, body = event["metadata"]["event_name"], event["body"]
    spec = BODIES[name]
    problems = []
    allowed = set(spec.always) | set(spec.sometimes)
    if extra := set(body) - allowed:
        problems.append(f"{name}: unexpected keys {sorted(extra)}")
    missing = {
        key
        for key, kind in spec.always.items()
        if key not in body and not (omitted_nulls and kind.nullable)
    }
    if missing:
        problems.append(f"{name}: missing keys {sorted(missing)}")
    for key, value in body.items():
        kind = spec.always.get(key) or spec.sometimes.get(key)
        if kind is None:
            continue
        if omitted_nulls and value is None:
            problems.append(f"{name}.{key}: null kept although nulls are omitted")
        elif not kind.ok(value, shard):
            problems.append(f"{name}.{key} = {value!r} is not {kind.name}")
        elif isinstance(value, str) and len(value) > 8192:
            problems.append(f"{name}.{key}: longer than 8192 characters")
    return problems


def local(global_id: str) -> str:
    return str(int(global_id) % 10**13)


def check_discussions(events: list[dict[str, Any]]) -> list[str]:
    """Entries name a topic announced earlier; replies an earlier entry of the same topic;
    entry ids grow; a REST entry's submission is the author's submission of the topic's
    assignment (announced in the same request: placeholders have no event)."""
    problems: list[str] = []
    topics: dict[str, dict[str, Any]] = {}  # local topic id -> latest body
    entries: dict[str, str] = {}  # entry id -> topic id
    assignments: set[str] = set()  # local ids
    submissions = {  # local submission id -> (assignment, user)
        local(e["body"]["submission_id"]): (
            local(e["body"]["assignment_id"]),
            local(e["body"]["user_id"]),
        )
        for e in events
        if e["metadata"]["event_name"] in ("submission_created", "submission_updated")
    }
    last_entry = 0
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "assignment_created":
            assignments.add(local(body["assignment_id"]))
        elif name.startswith("discussion_topic_"):
            if name.endswith("_created") and local(body["discussion_topic_id"]) in topics:
                problems.append(f"topic {body['discussion_topic_id']} created twice")
            if body.get("assignment_id") and body["assignment_id"] not in assignments:
                problems.append(f"topic's assignment {body['assignment_id']} never created")
            topics[local(body["discussion_topic_id"])] = body
        elif name == "discussion_entry_created":
            topic = topics.get(body["discussion_topic_id"])
            if topic is None:
                problems.append(f"entry {body['discussion_entry_id']}: topic never created")
            elif topic["workflow_state"] != "active":
                problems.append(f"entry posted to a {topic['workflow_state']} topic")
            entry_id = int(body["discussion_entry_id"])
            if entry_id <= last_entry:
                problems.append(f"entry id {entry_id} does not grow")
            last_entry = entry_id
            parent = body.get("parent_discussion_entry_id")
            if parent is not None and entries.get(parent) != body["discussion_topic_id"]:
                problems.append(f"reply {entry_id} to {parent}, not an earlier entry of its topic")
            entries[body["discussion_entry_id"]] = body["discussion_topic_id"]
        elif name == "discussion_entry_submitted":
            if entries.get(body["discussion_entry_id"]) != body["discussion_topic_id"]:
                problems.append(f"submitted entry {body['discussion_entry_id']} never created")
            sub = body.get("submission_id")
            if sub is not None and submissions.get(sub) != (body["assignment_id"], body["user_id"]):
                problems.append(f"entry {body['discussion_entry_id']}: submission {sub} unknown")
    return problems


def check_conversations(events: list[dict[str, Any]]) -> list[str]:
    """A message's conversation was announced earlier (created, in its own request first);
    a forward names a known conversation; message ids are unique; inbox requests carry no
    context keys and no context role."""
    problems: list[str] = []
    known: set[str] = set()
    messages: set[str] = set()
    for event in events:
        meta, body = event["metadata"], event["body"]
        name = meta["event_name"]
        if not name.startswith("conversation_"):
            continue
        if {"context_type", "context_id", "context_role"} & set(meta):
            problems.append(f"{name}: inbox request with context keys")
        conversation = body["conversation_id"]
        if name == "conversation_created":
            if conversation in known:
                problems.append(f"conversation {conversation} created twice")
            known.add(conversation)
        elif conversation not in known:
            problems.append(f"{name}: conversation {conversation} never created")
        if name == "conversation_message_created":
            if body["message_id"] in messages:
                problems.append(f"message {body['message_id']} twice")
            messages.add(body["message_id"])
    return problems


def check_groups(events: list[dict[str, Any]]) -> list[str]:
    """A group names a set announced earlier, a membership a group announced earlier (and
    that set); a membership ends (deleted) only after it began; a student is in at most one
    group of a set at a time; sections are created before they change."""
    problems: list[str] = []
    sets: set[str] = set()
    groups: dict[str, str] = {}  # group id -> set id
    active: dict[tuple[str, str], str] = {}  # (user, set) -> membership id
    memberships: set[str] = set()
    sections: set[str] = set()
    for event in events:
        name, body = event["metadata"]["event_name"], event["body"]
        if name == "group_category_created":
            sets.add(body["group_category_id"])
        elif name in ("group_created", "group_updated"):
            if body["group_category_id"] not in sets:
                problems.append(f"{name}: set {body['group_category_id']} never created")
            if name == "group_created":
                groups[body["group_id"]] = body["group_category_id"]
            elif body["group_id"] not in groups:
                problems.append(f"group {body['group_id']} updated before created")
        elif name.startswith("group_membership_"):
            member = body["group_membership_id"]
            group_set = groups.get(body["group_id"])
            if group_set is None or group_set != body["group_category_id"]:
                problems.append(f"{name}: group {body['group_id']} not of a known set")
            key = (body["user_id"], body["group_category_id"])
            if name.endswith("_created"):
                if key in active:
                    problems.append(f"user {key[0]} in two groups of set {key[1]}")
                active[key] = member
                memberships.add(member)
            elif member not in memberships:
                problems.append(f"membership {member} updated before created")
            elif body["workflow_state"] == "deleted" and active.pop(key, None) != member:
                problems.append(f"membership {member} ended but was not current")
        elif name == "course_section_created":
            sections.add(body["course_section_id"])
        elif name == "course_section_updated" and body["course_section_id"] not in sections:
            problems.append(f"section {body['course_section_id']} updated before created")
    return problems


def check_outcomes(events: list[dict[str, Any]]) -> list[str]:
    """Groups name an earlier parent; links an earlier outcome and group; results an earlier
    outcome and an earlier rubric assessment (their artifact); *_updated follow a *_created of
    the same id; job-driven results carry UTC timestamps."""
    problems: list[str] = []
    seen: dict[str, set[str]] = {}
    ids = {
        "learning_outcome": "learning_outcome_id",
        "learning_outcome_group": "learning_outcome_group_id",
        "learning_outcome_link": "learning_outcome_link_id",
        "outcome_proficiency": "outcome_proficiency_id",
        "outcome_calculation_method": "outcome_calculation_method_id",
        "learning_outcome_result": "id",
        "rubric_assessed": "id",
    }
    for event in events:
        meta, body = event["metadata"], event["body"]
        name = meta["event_name"]
        family = name.rsplit("_", 1)[0] if name != "rubric_assessed" else name
        if family not in ids:
            continue
        known = seen.setdefault(family, set())
        key = body[ids[family]]
        if name.endswith("_updated") and key not in known:
            problems.append(f"{name} {key} before its created")
        known.add(key)
        parent = body.get("parent_outcome_group_id")
        if parent is not None and parent not in seen.get("learning_outcome_group", set()):
            problems.append(f"group {key}: parent {parent} never created")
        outcome, group = body.get("learning_outcome_id"), body.get("learning_outcome_group_id")
        linked = family in ("learning_outcome_link", "learning_outcome_result")
        if linked and outcome not in seen.get("learning_outcome", set()):
            problems.append(f"{name}: outcome {outcome} never created")
        link = family == "learning_outcome_link"
        if link and group not in seen.get("learning_outcome_group", set()):
            problems.append(f"{name}: group {group} unknown")
        if family == "learning_outcome_result":
            if body["artifact_id"] not in seen.get("rubric_assessed", set()):
                problems.append(f"{name}: assessment {body['artifact_id']} never sent")
            if "job_id" not in meta or not body["created_at"].endswith("Z"):
                problems.append(f"{name}: not a job's (UTC) result")
    return problems


PAIRS = {  # *_updated / the later event -> (the event that must come first, the id key)
    "sis_batch_updated": ("sis_batch_created", "sis_batch_id"),
    "content_migration_completed": ("content_migration_started", "content_migration_id"),
    "master_migration_completed": ("master_migration_started", "master_migration_id"),
    "lti_resource_link_updated": ("lti_resource_link_created", "resource_link_id"),
    "account_updated": ("account_created", "account_id"),
}


def check_admin(events: list[dict[str, Any]]) -> list[str]:
    """Each later event follows its first one (same id); SIS batches move created ->
    importing -> an outcome; users named were created in the setup; job-driven events carry
    job metadata."""
    problems: list[str] = []
    seen: dict[str, set[str]] = {}
    users: set[str] = set()
    states: dict[str, list[str]] = {}
    jobs = {"sis_batch_updated", "content_migration_started", "content_migration_completed",
            "master_migration_started", "master_migration_completed",
            "user_account_association_created"}  # fmt: skip
    for event in events:
        meta, body = event["metadata"], event["body"]
        name = meta["event_name"]
        if name == "user_created":
            users.add(body["user_id"])
        if (
            name in ("user_updated", "user_account_association_created")
            and body["user_id"] not in users
        ):
            problems.append(f"{name}: user {body['user_id']} never created")
        if name in jobs and "job_id" not in meta:
            problems.append(f"{name}: not job-driven")
        for later, (first, key) in PAIRS.items():
            if name == first:
                seen.setdefault(first, set()).add(body[key])
            elif name == later and body[key] not in seen.get(first, set()):
                problems.append(f"{name} {body[key]} without {first}")
        if name.startswith("sis_batch_"):
            states.setdefault(body["sis_batch_id"], []).append(body["workflow_state"])
    for batch, chain in states.items():
        if chain[:2] != ["created", "importing"] or len(chain) != 3:
            problems.append(f"sis batch {batch}: states {chain}")
    return problems
