"""Event metadata in Canvas's two shapes, request-driven and job-driven (CANVAS_REFERENCE §2)."""

from __future__ import annotations

from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from .clock import event_time
from .world import Account, Course, User


class Request(NamedTuple):
    """One HTTP request to Canvas; every event it emits shares these values."""

    actor: User | None  # None: an LTI tool's call (no user_* keys)
    role: str | None  # context_role; None leaves it out (API token calls)
    method: str
    url: str
    referrer: str | None
    request_id: str
    session_id: str | None
    user_agent: str
    client_ip: str
    developer_key_id: str | None = None
    context: str | None = "Course"  # context_* keys: the course, the root "Account", or none
    course: Course | None = None  # the course of a "Course" context
    login: bool = False  # a sign-in: user keys after producer, no time_zone (logged_in)

    @property
    def zone(self) -> ZoneInfo | None:
        """Body timestamps carry the acting user's offset."""
        return self.actor.zone if self.actor else None


class Job(NamedTuple):
    """A background job (delayed job) run by Canvas."""

    job_id: str
    tag: str
    course: Course
    zone: None = None  # body timestamps of jobs are UTC ('Z')
    context: bool = True  # False: no context_* keys (jobs that merge no context)


Origin = Request | Job


class MetadataBuilder:
    """Builds metadata dicts in Canvas's key order for one account and its courses."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self._root = {
            "root_account_uuid": account.uuid,
            "root_account_id": account.gid(account.id),
            "root_account_lti_guid": account.lti_guid,
        }
        self._account_context = {
            "context_type": "Account",
            "context_id": account.gid(account.id),
            "context_account_id": account.gid(account.id),
            "context_sis_source_id": None,
            **self._root,
        }
        self._course_contexts: dict[int, dict[str, Any]] = {}
        self._user_account_id = account.gid(account.id)
        self._hostname = account.domain
        self._last_request: Request | None = None
        self._last_prefix: dict[str, Any] = {}

    def _course_context(self, course: Course | None) -> dict[str, Any]:
        """The context and root account keys of events in ``course`` (built once per course)."""
        assert course is not None, "a Course context needs its course"
        found = self._course_contexts.get(course.id)
        if found is None:
            account = self._account
            found = self._course_contexts[course.id] = {
                "context_type": "Course",
                "context_id": account.gid(course.id),
                "context_account_id": account.gid(account.sub_account_id),
                "context_sis_source_id": course.sis_source_id,
                **self._root,
            }
        return found

    def build(self, origin: Origin, event_name: str, time_ms: int) -> dict[str, Any]:
        if isinstance(origin, Job):
            return self._job(origin, event_name, time_ms)
        return self._request(origin, event_name, time_ms)

    def _request(self, request: Request, event_name: str, time_ms: int) -> dict[str, Any]:
        if request is not self._last_request:  # a request's events share all but two keys
            self._last_request = request
            self._last_prefix = self._request_prefix(request)
        meta = dict(self._last_prefix)
        meta["event_name"] = event_name
        meta["event_time"] = event_time(time_ms)
        return meta

    def _request_prefix(self, request: Request) -> dict[str, Any]:
        """Every metadata key of ``request`` up to ``producer``, in Canvas's order."""
        if request.context == "Course":
            meta: dict[str, Any] = dict(self._course_context(request.course))
        elif request.context == "Account":
            meta = dict(self._account_context)
        else:
            meta = dict(self._root)
        actor = request.actor
        if actor is not None and not request.login:
            meta["user_login"] = actor.login
            meta["user_account_id"] = self._user_account_id
            meta["user_sis_id"] = actor.sis_id
            meta["user_id"] = self._account.gid(actor.id)
            meta["time_zone"] = actor.time_zone
        if request.developer_key_id is not None:
            meta["developer_key_id"] = request.developer_key_id
        if request.role is not None:
            meta["context_role"] = request.role
        meta["request_id"] = request.request_id
        meta["session_id"] = request.session_id
        meta["hostname"] = self._hostname
        meta["http_method"] = request.method
        meta["user_agent"] = request.user_agent
        meta["client_ip"] = request.client_ip
        meta["url"] = request.url
        meta["referrer"] = request.referrer
        meta["producer"] = "canvas"
        if request.login and actor is not None:  # the new login's keys, appended at sign-in
            meta["user_id"] = self._account.gid(actor.id)
            meta["user_login"] = actor.login
            meta["user_account_id"] = self._user_account_id
            meta["user_sis_id"] = actor.sis_id
        return meta

    def _job(self, job: Job, event_name: str, time_ms: int) -> dict[str, Any]:
        if not job.context:
            return {
                "job_id": job.job_id,
                "job_tag": job.tag,
                "producer": "canvas",
                "root_account_id": self._root["root_account_id"],
                "root_account_uuid": self._root["root_account_uuid"],
                "root_account_lti_guid": self._root["root_account_lti_guid"],
                "event_name": event_name,
                "event_time": event_time(time_ms),
            }
        return {
            **self._course_context(job.course),
            "job_id": job.job_id,
            "job_tag": job.tag,
            "producer": "canvas",
            "event_name": event_name,
            "event_time": event_time(time_ms),
        }


class AccountsMetadata:
    """Metadata for courses in several root accounts: each course's events get its account's
    root keys, user account, ids and hostname (one MetadataBuilder per account)."""

    def __init__(self, accounts_by_course: dict[int, Account]) -> None:
        builders: dict[int, MetadataBuilder] = {}
        self._by_course: dict[int, MetadataBuilder] = {}
        for course_id, account in accounts_by_course.items():
            builder = builders.get(id(account))
            if builder is None:
                builder = builders[id(account)] = MetadataBuilder(account)
            self._by_course[course_id] = builder

    def build(self, origin: Origin, event_name: str, time_ms: int) -> dict[str, Any]:
        assert origin.course is not None, "every event of a course names its course"
        return self._by_course[origin.course.id].build(origin, event_name, time_ms)
