"""The live grade book of one course: grades, each student's group sums, debounced recomputes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from .. import events as ev
from ..grades import grade_string
from ..grading import (
    NEVER_COUNTED_SUBMISSION_TYPES,
    AssignmentInput,
    CourseScores,
    GroupInput,
    GroupSums,
    Row,
    SubmissionGrade,
    combined_scores,
    group_sums,
)
from ..kernel import Clock, Debounced
from ..metadata import Job
from ..randoms import randint
from ..world import Assignment, AssignmentGroup, Enrollment, ScoreRow, Submission, User, World
from .requests import Requests

_T = TypeVar("_T")

# One Decimal per score as written, one string per grade, shared by every course (submissions
# share a few hundred of each).
_VALUES: dict[str, Decimal] = {}
_GRADES: dict[str, str] = {}
_SHARED_KEPT = 1 << 16  # values beyond these many are not shared (bounds the tables)


def _shared(table: dict[str, _T], key: str, value: _T) -> _T:
    """The value kept for ``key``, else ``value`` (kept while the table has room)."""
    found = table.get(key)
    if found is None:
        found = value
        if len(table) < _SHARED_KEPT:
            table[key] = value
    return found


class Scores:
    """Keeps each student's course scores as Canvas would, and emits their changes."""

    CACHE_INPUTS = True  # tests turn it off to prove the cache changes nothing

    def __init__(
        self,
        world: World,
        clock: Clock,
        requests: Requests,
        bits: Callable[[int], int],
        job_delay: int,
    ) -> None:
        self.world = world
        self.course = world.course
        self._clock = clock
        self._requests = requests
        self._bits = bits  # the main stream's getrandbits: the recompute jobs' jitter
        self._job_delay = job_delay
        self._jobs = Debounced(clock)
        # Per student and group, the group's sums as of the last recompute (a few shared
        # tuples): dropped by touch when a submission changes and by recompute_everyone when
        # the structure does.
        self._sums: dict[int, list[GroupSums | None]] = {}  # by position in course.groups
        self._positions: dict[int, int] = {}  # group id -> its position (groups only append)
        self.on_grade: Callable[[Submission], None] | None = None  # module requirements' hook

    def set_grade(self, sub: Submission, score: Decimal | None) -> None:
        """The submission's score and its grade string (pass/fail scores become all or 0)."""
        assignment = sub.assignment
        if assignment.grading_type == "pass_fail" and score is not None:
            score = assignment.points_possible if score > 0 else Decimal(0)
        if score is not None:  # many submissions share a few scores: keep one of each
            score = _shared(_VALUES, str(score), score)
        sub.score = score
        grade = grade_string(
            score, assignment.points_possible, assignment.grading_type, self.course.grading_scheme
        )
        sub.grade = None if grade is None else _shared(_GRADES, grade, grade)
        if self.on_grade is not None:
            self.on_grade(sub)

    def add_placeholders(self, assignment: Assignment) -> None:
        """Silent unsubmitted submissions for every student of a published assignment."""
        for enrollment in self.course.enrollments.values():
            if enrollment.is_student:
                self.add_placeholder(assignment, enrollment.user)

    def add_placeholder(self, assignment: Assignment, user: User) -> None:
        """Canvas creates an unsubmitted submission per student and assignment: no event."""
        key = (assignment.id, user.id)
        if key not in self.course.submissions:
            self.course.submissions[key] = Submission(
                id=self.world.ids.next("submissions"),
                assignment=assignment,
                user=user,
                updated_at=self._clock.now,
            )

    def inputs(self, user: User) -> list[GroupInput]:
        """The score calculator's input for ``user``: each group, with its assignments and the
        student's submissions as they are now (for ``explain``; recomputes do not use it)."""
        return [self._group_input(group, user) for group in self.course.groups]

    def scores_for(self, user: User) -> CourseScores:
        """The student's four course scores as of now; each group's sums are kept until one
        of its submissions changes."""
        course = self.course
        concluded = course.enrollments[user.id].workflow_state == "completed"
        groups = course.groups
        memo = self._sums.get(user.id)
        if memo is None or len(memo) < len(groups):
            memo = (memo or []) + [None] * (len(groups) - len(memo or ()))
            if self.CACHE_INPUTS:
                self._sums[user.id] = memo
        weights, sums = [], []
        for index, group in enumerate(groups):
            found = memo[index]
            if found is None or found[5] != concluded:
                found = self._group_sums(group, user.id, concluded)
                if self.CACHE_INPUTS:
                    memo[index] = found
            weights.append(group.weight)
            sums.append(found)
        return combined_scores(weights, sums, course.weighted)

    def _group_sums(self, group: AssignmentGroup, user_id: int, concluded: bool) -> GroupSums:
        """One group's sums for one student, from the submissions as they are now."""
        get = self.course.submissions.get
        rows: list[Row] = []
        hidden = False
        for a in group.assignments:
            sub = get((a.id, user_id))  # placeholders too: a concluded student's count 0
            if sub is not None and sub.posted_at is None:
                hidden = True
            if (
                not a.published
                or a.omit_from_final_grade
                or not NEVER_COUNTED_SUBMISSION_TYPES.isdisjoint(a.submission_types)
            ):
                continue
            if sub is None:
                rows.append((a.id, a.points_possible, None, False, False, False, False))
            else:
                posted, pending = sub.posted_at is not None, sub.workflow_state == "pending_review"
                rows.append(
                    (a.id, a.points_possible, sub.score, sub.excused, posted, pending, True)
                )
        drops = (group.drop_lowest, group.drop_highest, group.never_drop)
        return group_sums(rows, hidden, drops, concluded)

    def new_row(self, user: User) -> ScoreRow:
        """A new student's score row, as of now."""
        scores = self.scores_for(user)
        now = self._clock.now
        return ScoreRow(
            id=self.world.ids.next("scores"),
            created_at=now,
            updated_at=now,
            current=scores.current_score,
            final=scores.final_score,
            unposted_current=scores.unposted_current_score,
            unposted_final=scores.unposted_final_score,
        )

    def _group_input(self, group: AssignmentGroup, user: User) -> GroupInput:
        """What the score calculator needs of one group for one student."""
        return GroupInput(
            id=group.id,
            assignments=tuple(self._assignment_input(a, user) for a in group.assignments),
            weight=group.weight,
            drop_lowest=group.drop_lowest,
            drop_highest=group.drop_highest,
            never_drop=group.never_drop,
        )

    def _assignment_input(self, assignment: Assignment, user: User) -> AssignmentInput:
        """What the score calculator needs of one assignment and the student's submission."""
        sub = self.course.submissions.get((assignment.id, user.id))
        grade = None
        if sub is not None:  # placeholders too: a concluded student's count 0 in final
            grade = SubmissionGrade(
                score=sub.score,
                excused=sub.excused,
                posted=sub.posted_at is not None,
                pending_review=sub.workflow_state == "pending_review",
            )
        return AssignmentInput(
            id=assignment.id,
            points_possible=assignment.points_possible,
            submission=grade,
            published=assignment.published,
            submission_types=assignment.submission_types,
            omit_from_final_grade=assignment.omit_from_final_grade,
        )

    def touch(self, sub: Submission) -> None:
        """A submission's score, excused, posted or workflow state changed: its group's sums
        for that student are computed again at the next recompute."""
        memo = self._sums.get(sub.user.id)
        if memo is None:
            return
        group = sub.assignment.group
        index = self._positions.get(group.id)
        groups = self.course.groups
        if index is None or index >= len(groups) or groups[index] is not group:
            self._positions = {g.id: i for i, g in enumerate(groups)}
            index = self._positions[group.id]
        if index < len(memo):
            memo[index] = None

    def recompute_everyone(self) -> None:
        """The gradebook's structure changed: every student's scores are recomputed."""
        self._sums.clear()
        for enrollment in self.course.enrollments.values():
            if enrollment.is_student and enrollment.workflow_state != "deleted":
                self.schedule_recompute(enrollment)

    def schedule_recompute(self, enrollment: Enrollment) -> None:
        """Debounced: one pending recompute job per student covers every change before it runs."""
        if enrollment.score is None:
            return
        self._jobs.request(
            enrollment.id,
            lambda: self._clock.now + self._job_delay + randint(self._bits, 0, 1500),
            lambda: self.recompute(
                enrollment, self._requests.job("Enrollment.recompute_final_score")
            ),
        )

    def recompute(self, enrollment: Enrollment, job: Job) -> None:
        """The student's course scores now; course_grade_change when they moved."""
        self._jobs.done(enrollment.id)
        row = enrollment.score
        assert row is not None
        old = CourseScores(row.current, row.final, row.unposted_current, row.unposted_final)
        new = self.scores_for(enrollment.user)
        if new == old:
            return
        row.current, row.final = new.current_score, new.final_score
        row.unposted_current, row.unposted_final = (
            new.unposted_current_score,
            new.unposted_final_score,
        )
        tick = self._clock.tick
        row.updated_at = tick
        self._clock.emit(
            "course_grade_change",
            job,
            ev.course_grade_change_fields(self.world, enrollment, old, new, tick),
        )
