"""Page views as Canvas logs them: each course page a person opens is a GET request and one
asset_accessed (CANVAS_ACTIVITY_EVENTS section 2.1's URL table); opening content completes
must_view requirements; module items are followed to the page they redirect to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..coursework import Coursework, File, ModuleItem, Page, Quiz
from ..kernel import Clock
from ..metadata import Request
from ..world import Assignment, User, World
from .requests import Requests

if TYPE_CHECKING:
    from .progress import Progress
    from .sessions import Sessions

# A list page of the course: path below /courses/:c, asset_subtype, category.
LISTS: dict[str, tuple[str, str, str]] = {
    "home": ("", "home", "home"),
    "assignments": ("/assignments", "assignments", "assignments"),
    "syllabus": ("/assignments/syllabus", "syllabus", "syllabus"),
    "pages": ("/pages", "pages", "pages"),
    "topics": ("/discussion_topics", "topics", "topics"),
    "announcements": ("/announcements", "announcements", "announcements"),
    "quizzes": ("/quizzes", "quizzes", "quizzes"),
    "modules": ("/modules", "modules", "modules"),
    "files": ("/files", "files", "files"),
    "grades": ("/grades", "grades", "grades"),
    "roster": ("/users", "roster", "roster"),
}
Content = Assignment | Page | File | Quiz


class Views:
    """Emits what a person's page views and contributions log."""

    def __init__(
        self,
        world: World,
        coursework: Coursework,
        clock: Clock,
        requests: Requests,
        sessions: Sessions,
        progress: Progress,
    ) -> None:
        self.world = world
        self._work = coursework
        self._clock = clock
        self._requests = requests
        self._sessions = sessions
        self._progress = progress
        self._base = f"/courses/{world.course.id}"

    def list_page(self, user: User, name: str, referrer: str | None = None) -> str:
        """A list inside the course (home, modules, grades...); returns its path."""
        suffix, subtype, category = LISTS[name]
        path = self._base + suffix
        course = self.world.course
        self._log(user, path, referrer, course.name, "course", course.id, subtype, category)
        return path

    def speed_grader(self, user: User, assignment: Assignment, referrer: str | None) -> str:
        path = f"{self._base}/gradebook/speed_grader?assignment_id={assignment.id}"
        course = self.world.course
        self._log(user, path, referrer, course.name, "course", course.id, "speed_grader", "grades")
        return path

    def content(
        self,
        user: User,
        target: Content,
        referrer: str | None = None,
        item: ModuleItem | None = None,
        *,
        level: str | None = None,
        request: Request | None = None,
    ) -> str:
        """An assignment, page, file or quiz (from a module item: ``?module_item_id=``); with
        ``request``, the access an authoring request logs (level ``participate``)."""
        path = self.path_of(target)
        name, kind, asset_id = asset_of(target)
        if item is not None:
            path += f"?module_item_id={item.id}"
        extra = None
        if isinstance(target, File):
            extra = {"filename": target.filename, "display_name": target.display_name}
        category = CATEGORIES.get(kind, "quizzes")
        where = (user, path, referrer)
        self._log(*where, name, kind, asset_id, None, category, level, request, extra)
        if level is None:
            self._progress.viewed(user, target)
        return path

    def handed_in(self, user: User, target: Assignment, request: Request, level: str) -> None:
        """The access a submission's request logs (``submit``; a quiz ``participate``), for
        people who browse (the gradebook scenarios' output stays as it was)."""
        if self._sessions.browses(user):
            self.content(user, target, level=level, request=request)

    def external_item(self, user: User, item: ModuleItem, referrer: str | None) -> str:
        """An external URL module item, rendered in place (content_tag, external_urls)."""
        path = f"{self._base}/modules/items/{item.id}"
        self._log(user, path, referrer, item.title, "content_tag", item.id, None, "external_urls")
        self._progress.viewed(user, item)
        return path

    def path_of(self, target: Content) -> str:
        if isinstance(target, Assignment):
            if target.quiz_id is not None:
                return f"{self._base}/quizzes/{target.quiz_id}"
            return f"{self._base}/assignments/{target.id}"
        if isinstance(target, Page):
            return f"{self._base}/pages/{target.url}"
        if isinstance(target, File):
            return f"{self._base}/files/{target.id}"
        return f"{self._base}/quizzes/{target.id}"

    def _log(
        self,
        user: User,
        path: str,
        referrer: str | None,
        name: str | None,
        asset_type: str,
        asset_id: int,
        subtype: str | None,
        category: str,
        level: str | None = None,
        request: Request | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if request is None:
            request = self._requests.request(user, "GET", path, referrer)
        enrollment = self.world.course.enrollments.get(user.id)
        fields: dict[str, Any] = {
            "asset_name": name,
            "asset_type": asset_type,
            "asset_id": self.world.account.gid(asset_id),
            "asset_subtype": subtype,
            "category": category,
            "role": None if enrollment is None else enrollment.type,
            "level": level,
        }
        if extra:
            fields.update(extra)
        if enrollment is not None:
            fields["enrollment_id"] = str(enrollment.id)
            fields["section_id"] = str(enrollment.section_id)
        self._clock.emit("asset_accessed", request, fields)


def asset_of(target: Content) -> tuple[str, str, int]:
    """(asset_name, asset_type, asset_id) of a content object (a graded quiz is its quiz)."""
    if isinstance(target, Assignment):
        if target.quiz_id is not None:
            return target.title, "quizzes:quiz", target.quiz_id
        return target.title, "assignment", target.id
    if isinstance(target, Page):
        return target.title, "wiki_page", target.id
    if isinstance(target, File):
        return target.display_name, "attachment", target.id
    return target.title, "quizzes:quiz", target.id


CATEGORIES = {"assignment": "assignments", "wiki_page": "wiki", "attachment": "files"}
