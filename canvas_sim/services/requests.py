"""Request and job metadata for one course: who acted and how (browser, API token, LTI tool)."""

from __future__ import annotations

import random

from ..metadata import Job, Request
from ..randoms import rfc_uuid
from ..world import Submission, User, World

API_USER_AGENT = "python-requests/2.31.0"
LTI_USER_AGENT = "GuzzleHttp/7"
ROLE_ENROLLMENT = {
    "teacher": "TeacherEnrollment",
    "ta": "TaEnrollment",
    "student": "StudentEnrollment",
}


class Requests:
    """Makes the request or job an event's metadata describes, for one course."""

    def __init__(self, world: World, wire_rng: random.Random, server_ip: str) -> None:
        self.world = world
        self.course = world.course
        self._wire = wire_rng  # request ids come from the wire stream
        self._server_ip = server_ip

    def role(self, user: User) -> str:
        """The role a request of ``user`` carries: the enrollment's type, else the person's."""
        enrollment = self.course.enrollments.get(user.id)
        if enrollment is not None:
            return enrollment.type
        return (
            "AccountAdmin"
            if user is self.world.admin
            else ROLE_ENROLLMENT[self.world.roles[user.key]]
        )

    def url(self, path: str) -> str:
        return f"https://{self.world.account.domain}{path}"

    def request(
        self,
        actor: User,
        method: str,
        path: str,
        referrer: str | None,
        via: str = "browser",
        *,
        context: str | None = "Course",
    ) -> Request:
        """A request by ``actor``; ``via`` api (token) or lti (a tool, no user keys)."""
        request_id = rfc_uuid(self._wire)
        if via in ("api", "lti"):  # a token's or a tool's call: no session, the server's address
            api = via == "api"
            return Request(
                actor if api else None,
                None,
                method,
                self.url(path),
                None,
                request_id,
                None,
                API_USER_AGENT if api else LTI_USER_AGENT,
                self._server_ip,
                self.world.account.gid(self.world.developer_key_id) if api else None,
                course=self.course,
            )
        return Request(
            actor,
            self.role(actor),
            method,
            self.url(path),
            None if referrer is None else self.url(referrer),
            request_id,
            actor.session_id,
            actor.user_agent,
            actor.client_ip,
            context=context,
            course=self.course,
        )

    def job(self, tag: str) -> Job:
        """A background job of the course (its id from the jobs sequence)."""
        return Job(self.world.account.gid(self.world.ids.next("jobs")), tag, self.course)

    def grading(self, grader: User, via: str, sub: Submission) -> Request:
        """A grader's save of a submission from SpeedGrader, the gradebook, the API or a tool."""
        course_id, assignment_id, student_id = self.course.id, sub.assignment.id, sub.user.id
        if via == "api":
            path = (
                f"/api/v1/courses/{course_id}/assignments/{assignment_id}/submissions/{student_id}"
            )
            return self.request(grader, "PUT", path, None, "api")
        if via == "lti":
            path = f"/api/lti/courses/{course_id}/line_items/{assignment_id}/scores"
            return self.request(grader, "POST", path, None, "lti")
        referrer = (
            f"/courses/{course_id}/gradebook/speed_grader?assignment_id={assignment_id}"
            f"&student_id={student_id}"
            if via == "speedgrader"
            else f"/courses/{course_id}/gradebook"
        )
        return self.request(
            grader, "POST", f"/courses/{course_id}/gradebook/update_submission", referrer
        )
