"""The event types the simulator emits: what emits each (``CATALOGUE``), and the body keys some
of them leave out."""

from __future__ import annotations

# name -> (what emits it, request or job)
CATALOGUE: dict[str, str] = {
    "course_created": "setup: the scenario's course is created (setup_events)",
    "user_created": "setup: each person of the scenario is created (setup_events)",
    "assignment_group_created": "setup: each assignment group is created (setup_events); "
    "create_group",
    "assignment_created": "setup: each assignment is created (setup_events); create_assignment, "
    "create_group",
    "assignment_updated": "update_assignment: points, grading type, publishing, title, omit",
    "assignment_group_updated": "update_group: a group's name, weight or drop rules change",
    "enrollment_created": "enroll: a user is enrolled in the course",
    "enrollment_state_created": "enroll: the enrollment's effective state row is created",
    "enrollment_updated": "accept_invitation, conclude, drop, reopen: an enrollment's state "
    "changes",
    "enrollment_state_updated": "accept_invitation, conclude, drop, reopen: its effective "
    "state changes",
    "submission_created": "submit / resubmit; take_quiz that needs manual review (pending_review)",
    "submission_updated": "grade, excuse, grading never-submitted work, autoscored take_quiz",
    "grade_change": "grade, excuse, take_quiz; a points/grading type change re-saving grades "
    "(job); post_grades / hide_grades (job)",
    "course_grade_change": "a job recomputing a student's course scores after grade changes "
    "(debounced), only when one of the four scores changed",
    "grade_override": "override_grade: the final grade override changes",
    "submission_custom_grade_status": "set_status: a custom status is applied or removed",
    "submission_comment_created": "comment: a student or teacher comments on a submission",
    "quiz_submitted": "take_quiz: a student turns in a classic quiz",
    "asset_accessed": "browse: a person opens a course page, list, file or module item; "
    "create_page / update_page (level participate)",
    "logged_in": "browse: a session starts after the person's last one expired or ended",
    "logged_out": "browse: a session ends by signing out",
    "module_created": "create_module: a teacher creates a module",
    "module_updated": "create_module (requirements saved, published); update_module: renamed, "
    "published, unpublished, deleted",
    "module_item_created": "create_module: each item added to the module",
    "module_item_updated": "create_module (items published with the module); update_module with "
    "item: published, unpublished, deleted",
    "course_progress": "a job two minutes after a student last met a module requirement (a "
    "browse view, submit, take_quiz, a grade reaching min_score, mark_done), debounced",
    "course_completed": "as course_progress, when the student has completed every module",
    "course_updated": "update_syllabus: the course is saved with a new syllabus",
    "syllabus_updated": "update_syllabus: the syllabus text changes",
    "wiki_page_created": "create_page: a teacher writes a page",
    "wiki_page_updated": "update_page: a page's title or body changes",
    "wiki_page_deleted": "update_page with deleted: a page is deleted",
    "attachment_created": "upload_file: a teacher uploads a file to the course",
    "attachment_updated": "update_file: a file is renamed or its lock dates change",
    "attachment_deleted": "update_file with deleted: a file is deleted",
    "quiz_created": "create_quiz: a teacher makes a practice quiz or survey",
    "quiz_updated": "update_quiz: a classic quiz's settings change",
    "discussion_topic_created": "create_topic: a discussion or announcement is posted",
    "discussion_topic_updated": "update_topic: a topic is edited, published, locked or deleted",
    "discussion_entry_created": "discuss: an entry or reply is posted",
    "discussion_entry_submitted": "discuss via rest: the REST API's entry and reply endpoints",
    "conversation_created": "message: a new inbox conversation (a pair's private one is reused)",
    "conversation_message_created": "message: each message, answers and the one adding people",
    "conversation_forwarded": "message with add: people are added to a conversation",
    "group_category_created": "create_group_set: a group set is made",
    "group_category_updated": "update_group_set: a group set is renamed or deleted",
    "group_created": "create_group_set: each of the set's groups",
    "group_updated": "update_group_set: a group is renamed or deleted",
    "group_membership_created": "create_group_set with assign: random (job); join_group",
    "group_membership_updated": "join_group: a move or a leave deletes the old membership",
    "course_section_created": "create_section: a section is added",
    "course_section_updated": "update_section: a section is renamed, re-dated or deleted",
    "learning_outcome_group_created": "create_outcome: the course's root group and a new group",
    "learning_outcome_group_updated": "update_outcome with group_title: its group is renamed",
    "learning_outcome_created": "create_outcome: an outcome is added",
    "learning_outcome_updated": "update_outcome: an outcome is edited or removed",
    "learning_outcome_link_created": "create_outcome: the outcome is linked into its group",
    "learning_outcome_link_updated": "update_outcome with delete: the link is deleted",
    "outcome_proficiency_created": "set_mastery: the course's first mastery scale",
    "outcome_proficiency_updated": "set_mastery: the mastery scale changes",
    "outcome_calculation_method_created": "set_mastery: the first calculation method",
    "outcome_calculation_method_updated": "set_mastery: the calculation method changes",
    "rubric_assessed": "assess: a rubric assessment is saved (again on regrading)",
    "learning_outcome_result_created": "assess with outcomes: a student's first result (job)",
    "learning_outcome_result_updated": "assess with outcomes: a later result (job)",
    "user_updated": "update_user: a person's name, SIS id or time zone changes",
    "user_account_association_created": "associate_users: people tied to the course's accounts "
    "(job)",
    "account_notification_created": "notify_account: a global announcement",
    "sis_batch_created": "sis_import: an SIS import is uploaded",
    "sis_batch_updated": "sis_import: the import job changes its workflow_state (job)",
    "content_migration_started": "copy_course: the import starts (job)",
    "content_migration_completed": "copy_course: the import is done (job)",
    "master_migration_started": "blueprint_sync: the blueprint sync starts (job)",
    "master_migration_completed": "blueprint_sync: the blueprint sync is done (job)",
    "lti_resource_link_created": "link_tool: an LTI 1.3 link is placed in the course",
    "lti_resource_link_updated": "update_tool_link: the tool changes or removes a link",
    "account_created": "create_account: a sub-account is added",
    "account_updated": "update_account: a sub-account is renamed, re-zoned or deleted",
    "plagiarism_resubmit": "resubmit_plagiarism: work is sent to the plagiarism tool again",
}

# Keys some events leave out (not null: absent), per event type.
OPTIONAL_FIELDS: dict[str, frozenset[str]] = {
    "asset_accessed": frozenset(
        ("filename", "display_name", "url", "domain", "enrollment_id", "section_id")
    ),
    "wiki_page_updated": frozenset(("old_title", "old_body")),
    "attachment_updated": frozenset(("old_display_name",)),
}
