"""The simulated Canvas: account, course, people, gradebook structure, submissions, score rows.

Plain mutable records and id allocation; the rules for changing them live in the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .errors import SimulatorError
from .records import Records

GLOBAL_ID_BASE = 10**13


@dataclass(slots=True)
class Account:
    id: int
    shard: int
    domain: str
    uuid: str
    lti_guid: str
    sub_account_id: int

    def gid(self, local_id: int) -> str:
        """Global id string: ``shard * 10**13 + local id``."""
        return str(self.shard * GLOBAL_ID_BASE + local_id)


@dataclass(slots=True)
class User:
    id: int
    key: str
    name: str
    sortable_name: str
    login: str
    sis_id: str | None
    time_zone: str
    zone: ZoneInfo
    uuid: str
    lti_user_id: str
    user_agent: str
    client_ip: str
    session_id: str
    created_at: int


@dataclass(slots=True)
class ScoreRow:
    """Canvas's course score row for one student enrollment."""

    id: int
    created_at: int
    updated_at: int
    current: Decimal | None = None
    final: Decimal | None = None
    unposted_current: Decimal | None = None
    unposted_final: Decimal | None = None
    override: Decimal | None = None


@dataclass(slots=True)
class Enrollment:
    id: int
    user: User
    type: str  # StudentEnrollment, TeacherEnrollment, TaEnrollment, ...
    workflow_state: str
    section_id: int
    created_at: int
    updated_at: int
    score: ScoreRow | None = None

    @property
    def is_student(self) -> bool:
        return self.type == "StudentEnrollment"


@dataclass(slots=True)
class CustomStatus:
    id: int
    name: str


@dataclass(slots=True)
class AssignmentGroup:
    id: int
    key: str
    name: str
    position: int
    weight: Decimal
    drop_lowest: int
    drop_highest: int
    never_drop: frozenset[int]
    assignments: list[Assignment] = field(default_factory=list)


@dataclass(slots=True)
class Assignment:
    id: int
    key: str
    title: str
    group: AssignmentGroup
    points_possible: Decimal
    grading_type: str
    submission_types: tuple[str, ...]
    due_at: int | None
    published: bool
    post_manually: bool
    omit_from_final_grade: bool
    lti_assignment_id: str
    lti_resource_link_id: str
    created_at: int
    quiz_id: int | None = None

    @property
    def is_quiz(self) -> bool:
        return self.quiz_id is not None

    @property
    def expects_submission(self) -> bool:
        """Whether students submit online (what makes work 'missing' when past due)."""
        return not set(self.submission_types) & {"none", "on_paper", "not_graded", "wiki_page"}


@dataclass(slots=True)
class Submission:
    id: int
    assignment: Assignment
    user: User
    updated_at: int
    workflow_state: str = "unsubmitted"
    attempt: int | None = None
    submitted_at: int | None = None
    graded_at: int | None = None
    score: Decimal | None = None
    grade: str | None = None
    excused: bool = False
    posted_at: int | None = None
    body: str | None = None
    url: str | None = None
    submission_type: str | None = None
    grader_id: int | None = None
    custom_status: CustomStatus | None = None
    quiz_submission_id: int | None = None


class Submissions:
    """A course's submissions by (assignment id, user id), held per assignment: no key object
    per submission. Iterating gives each assignment's in the order they were added."""

    __slots__ = ("_by",)

    def __init__(self) -> None:
        self._by: dict[int, dict[int, Submission]] = {}

    def get(self, key: tuple[int, int]) -> Submission | None:
        found = self._by.get(key[0])
        return None if found is None else found.get(key[1])

    def __getitem__(self, key: tuple[int, int]) -> Submission:
        return self._by[key[0]][key[1]]

    def __setitem__(self, key: tuple[int, int], sub: Submission) -> None:
        found = self._by.get(key[0])
        if found is None:
            found = self._by[key[0]] = {}
        found[key[1]] = sub

    def __contains__(self, key: tuple[int, int]) -> bool:
        found = self._by.get(key[0])
        return found is not None and key[1] in found

    def __len__(self) -> int:
        return sum(len(subs) for subs in self._by.values())

    def of(self, assignment_id: int) -> dict[int, Submission]:
        """One assignment's submissions by user id (empty when it has none)."""
        return self._by.get(assignment_id, {})

    def items(self) -> Iterator[tuple[tuple[int, int], Submission]]:
        for assignment_id, subs in self._by.items():
            for user_id, sub in subs.items():
                yield (assignment_id, user_id), sub


@dataclass(slots=True)
class Course:
    id: int
    uuid: str
    name: str
    code: str
    sis_source_id: str | None
    time_zone: str
    weighted: bool
    grading_scheme: tuple[tuple[str, Decimal], ...]
    default_section_id: int
    created_at: int
    groups: list[AssignmentGroup] = field(default_factory=list)
    assignments: dict[str, Assignment] = field(default_factory=dict)
    custom_statuses: dict[str, CustomStatus] = field(default_factory=dict)
    enrollments: dict[int, Enrollment] = field(default_factory=dict)  # by user id
    submissions: Submissions = field(default_factory=lambda: Submissions())


ID_BLOCK = 10**7  # ids of one table an owner (the account or a course) can take


class IdSequences:
    """One owner's local id sequence per Canvas table, starting at plausible values.

    The account owns block 0 of every table and course k block k + 1 (``ID_BLOCK`` ids each),
    so a course's ids depend only on the seed and its ordinal: never on what other courses did
    first, how many there are, or which process simulates them.
    """

    __slots__ = ("_end", "_next")

    def __init__(self, starts: dict[str, int], block: int = 0) -> None:
        base = block * ID_BLOCK
        self._next = {table: base + start for table, start in starts.items()}
        self._end = base + ID_BLOCK

    def next(self, table: str) -> int:
        value = self._next[table]
        if value >= self._end:
            raise SimulatorError(f"a course uses more than {ID_BLOCK:,} ids of table {table}")
        self._next[table] = value + 1
        return value

    def account_first(self, table: str) -> int:
        """The account's first id of a table courses never advance (block 0): the account's
        default term, for ``enrollment_terms``."""
        return self._next[table] % ID_BLOCK


TABLES = (
    "users",
    "courses",
    "course_sections",
    "enrollments",
    "scores",
    "assignment_groups",
    "assignments",
    "quizzes",
    "quiz_submissions",
    "submissions",
    "submission_comments",
    "attachments",
    "custom_grade_statuses",
    "jobs",
    "developer_keys",
    "line_items",
)
# Tables of course activity: their first ids come from a stream of their own (build), so that
# adding them changed no id of the tables above.
ACTIVITY_TABLES = ("context_modules", "content_tags", "wiki_pages", "folders")
# Tables of discussions, conversations, groups, outcomes and admin records: their first ids
# come from a stream of their own, so the tables above keep the numbers they always had.
SOCIAL_TABLES = (
    "discussion_topics",
    "discussion_entries",
    "conversations",
    "conversation_messages",
    "group_categories",
    "groups",
    "group_memberships",
    "rubrics",
    "rubric_assessments",
    "learning_outcomes",
    "learning_outcome_groups",
    "learning_outcome_links",
    "learning_outcome_results",
    "outcome_proficiencies",
    "outcome_proficiency_ratings",
    "outcome_calculation_methods",
    "user_account_associations",
    "account_notifications",
    "sis_batches",
    "content_migrations",
    "master_templates",
    "master_migrations",
    "lti_resource_links",
    "context_external_tools",
    "accounts",
    "enrollment_terms",
)


@dataclass(slots=True)
class World:
    """What one course's simulation knows: the account, the course, its people, and the
    course's own id sequences."""

    account: Account
    course: Course
    ids: IdSequences
    users: dict[str, User] = field(default_factory=dict)  # by scenario key
    roles: dict[str, str] = field(default_factory=dict)  # scenario key -> teacher, ta, student
    personas: dict[str, Any] = field(default_factory=dict)  # student key -> PersonaSpec
    admin: User | None = None
    developer_key_id: int = 0
    records: Records = field(default_factory=Records)  # discussions, conversations, groups...
