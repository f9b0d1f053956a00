"""Records of a course's discussions, conversations, groups, sections, outcomes and admin
objects: plain mutable records; the steps that change them emit the events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .world import Assignment, User


@dataclass(slots=True)
class Topic:
    """A discussion topic or announcement (graded when it has an assignment)."""

    id: int
    key: str
    title: str
    message: str | None
    author: User
    is_announcement: bool
    assignment: Assignment | None
    workflow_state: str  # active, unpublished, locked, deleted
    lock_at: int | None
    created_at: int
    updated_at: int
    entries: list[Entry] = field(default_factory=list)


@dataclass(slots=True)
class Entry:
    """A post in a discussion: top-level (no parent) or a reply to an earlier entry."""

    id: int
    topic: Topic
    user: User
    parent: Entry | None
    text: str
    created_at: int


@dataclass(slots=True)
class Conversation:
    """An inbox conversation between people (private: exactly two, reused by Canvas)."""

    id: int
    participants: list[User]
    private: bool
    updated_at: int


@dataclass(slots=True)
class GroupSet:
    """A group category (group set) of the course and its student groups."""

    id: int
    key: str
    name: str
    group_limit: int | None
    workflow_state: str = "active"
    groups: list[StudentGroup] = field(default_factory=list)


@dataclass(slots=True)
class StudentGroup:
    id: int
    uuid: str
    name: str
    set: GroupSet
    max_membership: int | None
    workflow_state: str = "available"
    members: dict[int, Membership] = field(default_factory=dict)  # by user id, current only


@dataclass(slots=True)
class Membership:
    id: int
    user: User
    group: StudentGroup
    workflow_state: str = "accepted"


@dataclass(slots=True)
class Section:
    """A course section beyond the default one."""

    id: int
    key: str
    name: str
    sis_id: str | None
    start_at: int | None
    end_at: int | None
    restrict_to_dates: bool
    workflow_state: str = "active"


@dataclass(slots=True)
class OutcomeGroup:
    id: int
    title: str
    parent: OutcomeGroup | None
    workflow_state: str = "active"


@dataclass(slots=True)
class Outcome:
    """A learning outcome of the course, linked into one outcome group."""

    id: int
    key: str
    title: str
    description: str | None
    mastery_points: float
    points_possible: float
    ratings: list[tuple[str, float]]  # (description, points), best first
    calculation_method: str
    calculation_int: int | None
    group: OutcomeGroup
    link_id: int
    workflow_state: str = "active"


@dataclass(slots=True)
class MasteryScale:
    """The course's outcome proficiency (ratings) or calculation method, once saved."""

    id: int
    ratings: list[tuple[int, str, float, bool, str]]  # (id, description, points, mastery, color)
    workflow_state: str = "active"


@dataclass(slots=True)
class Assessed:
    """A rubric assessment, or an outcome result, as first saved."""

    id: int
    created_at: int


@dataclass(slots=True)
class ToolLink:
    """An LTI 1.3 resource link placed in the course (or on an assignment)."""

    id: int
    key: str
    uuid: str
    lookup_uuid: str
    tool_id: int
    url: str
    title: str
    assignment_id: int | None
    workflow_state: str = "active"


@dataclass(slots=True)
class SubAccount:
    id: int
    key: str
    name: str
    parent_id: int
    time_zone: str
    workflow_state: str = "active"


@dataclass(slots=True)
class Records:
    """What one course has beyond its gradebook, by scenario key where steps name them."""

    topics: dict[str, Topic] = field(default_factory=dict)
    conversations: list[Conversation] = field(default_factory=list)
    # the private conversation of two people, by their user ids
    private: dict[frozenset[int], Conversation] = field(default_factory=dict)
    group_sets: dict[str, GroupSet] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    outcome_root: OutcomeGroup | None = None
    outcome_groups: dict[str, OutcomeGroup] = field(default_factory=dict)  # by title
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    proficiency: MasteryScale | None = None
    calculation: tuple[int, str, int | None] | None = None  # (id, method, int)
    assessments: dict[tuple[int, int], Assessed] = field(default_factory=dict)  # (assignment, user)
    results: dict[tuple[int, int], Assessed] = field(default_factory=dict)  # (outcome, user)
    rubric_associations: dict[int, int] = field(default_factory=dict)  # by assignment id
    tool_links: dict[str, ToolLink] = field(default_factory=dict)
    tool_id: int | None = None  # the course's LTI tool, once a link needs it
    accounts: dict[str, SubAccount] = field(default_factory=dict)
    master_template_id: int | None = None  # the course's blueprint template, once synced
