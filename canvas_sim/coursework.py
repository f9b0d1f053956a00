"""Course content beyond the gradebook: modules and their items, wiki pages, files, classic
quizzes without an assignment, the syllabus. Plain records; steps change them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from .world import Assignment, User


@dataclass(slots=True)
class Page:
    id: int
    key: str
    title: str
    url: str  # the slug in /courses/:c/pages/:url
    body: str | None
    published: bool
    deleted: bool = False


@dataclass(slots=True)
class File:
    id: int
    key: str
    display_name: str
    content_type: str
    folder_id: int
    uploader: User | None
    created_at: int
    updated_at: int
    lock_at: int | None = None
    unlock_at: int | None = None
    deleted: bool = False

    @property
    def filename(self) -> str:
        """The stored name, URL-escaped as Canvas keeps it (``My+File.pdf``)."""
        return quote_plus(self.display_name)


@dataclass(slots=True)
class Quiz:
    """A classic quiz: a practice quiz or survey, or the quiz of a graded quiz assignment."""

    id: int
    key: str
    title: str
    quiz_type: str
    assignment: Assignment | None
    settings: dict[str, Any]
    workflow_state: str
    updated_at: int


@dataclass(slots=True)
class ModuleItem:
    """A module item (Canvas's ContentTag): what it points at and its completion requirement."""

    id: int
    module: Module
    position: int
    title: str
    kind: str  # assignment, page, file, quiz, external_url
    target: Assignment | Page | File | Quiz | None  # None for external_url
    external_url: str | None
    requirement: str | None  # must_view, must_submit, min_score, must_mark_done
    min_score: Decimal | None
    workflow_state: str  # active, unpublished, deleted

    @property
    def visible(self) -> bool:
        return self.workflow_state == "active" and self.module.workflow_state == "active"


@dataclass(slots=True)
class Module:
    id: int
    key: str
    name: str
    position: int
    workflow_state: str  # active (published), unpublished, deleted
    sequential: bool
    complete_one: bool  # "complete one item" instead of all
    items: list[ModuleItem] = field(default_factory=list)

    def requirements(self) -> list[ModuleItem]:
        """The module's current requirements (visible items that have one)."""
        return [item for item in self.items if item.requirement and item.visible]


@dataclass(slots=True)
class Coursework:
    """One course's content records, by scenario key."""

    folder_id: int  # the course's files folder
    pages: dict[str, Page] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    syllabus: str | None = None

    def live_modules(self) -> list[Module]:
        """Published modules in position order."""
        found = [m for m in self.modules.values() if m.workflow_state == "active"]
        return sorted(found, key=lambda m: m.position)


def slug(title: str) -> str:
    """A page's URL slug as Canvas derives it from the title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "page"
