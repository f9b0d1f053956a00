"""Many courses per scenario, include:, and the distributions of hand-ins, scores and comments."""

from __future__ import annotations

import statistics
import textwrap
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from canvas_sim.cli import main
from canvas_sim.errors import ScenarioError
from canvas_sim.run import RunResult, run_scenario
from canvas_sim.scenario import load_scenario, parse_scenario
from canvas_sim.sinks import MemorySink
from canvas_sim.validate import validate_lines

START = "start: 2024-09-02T08:00:00-06:00\n"

MULTI = START + textwrap.dedent(
    """\
    courses:
      - count: 3
        name: "Biology ${i}"
        code: "BIO-10${i}"
        sis_id: "2024FA.BIO.${i}"
        students: {uniform: [3, 6]}
        stagger: 2h
        groups:
          - key: hw
            assignments: [{key: hw1, points: 10, due: 3d}]
      - name: Chemistry
        students: [{key: cara, name: Cara Diaz}, {key: dan, name: Dan Eto}]
        groups:
          - key: labs
            assignments: [{key: lab1, points: 20}]
        steps:
          - enroll: {}
          - submit: {assignment: lab1}
          - grade: {assignment: lab1, score: 15}
    steps:
      - enroll: {}
      - at: 1d
        submit: {assignment: hw1}
      - grade: {assignment: hw1, score: 7}
    """
)


def simulate(text: str, seed: int | None = None) -> tuple[list[dict[str, Any]], RunResult]:
    scenario, located = parse_scenario(text, "test.yaml")
    sink = MemorySink()
    result = run_scenario(scenario, located, [sink], seed=seed)
    report = validate_lines(sink.lines)  # schemas and old/new chains, independently checked
    assert report.ok, report.problems[:5]
    return sink.events(), result


def of(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if e["metadata"]["event_name"] == name]


def by_course(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event["metadata"].get("context_type") == "Course":
            grouped[event["metadata"]["context_id"]].append(event)
    return grouped


# --- several courses -----------------------------------------------------------------------


def test_each_block_is_stamped_out_count_times_with_its_own_steps() -> None:
    events, result = simulate(MULTI)
    created = of(events, "course_created")
    assert sorted(e["body"]["name"] for e in created) == [
        "Biology 1",
        "Biology 2",
        "Biology 3",
        "Chemistry",
    ]
    sis_ids = {e["metadata"]["context_sis_source_id"] for e in of(events, "enrollment_created")}
    assert sorted(sis_ids - {None}) == [
        "2024FA.BIO.1",
        "2024FA.BIO.2",
        "2024FA.BIO.3",
    ]
    courses = by_course(events)
    assert len(courses) == 4
    ids = {e["body"]["course_id"] for e in created}
    assert len(ids) == 4
    assert result.gradebook is not None
    gradebook = {c["name"]: c for c in result.gradebook["courses"]}
    for number in (1, 2, 3):
        students = gradebook[f"Biology {number}"]["students"]
        assert 3 <= len(students) <= 6
        # The top-level steps ran in every Biology copy: everyone graded 7 of 10.
        assert {s["scores"]["current_score"] for s in students} == {70.0}
    chemistry = gradebook["Chemistry"]["students"]
    assert sorted(s["name"] for s in chemistry) == ["Cara Diaz", "Dan Eto"]
    assert {s["scores"]["current_score"] for s in chemistry} == {75.0}
    # Every event of a course refers to that course.
    for course_id, stream in courses.items():
        local = str(int(course_id) % 10**13)
        bodies = [e["body"] for e in stream if "course_id" in e["body"]]
        assert bodies and all(b["course_id"] in (course_id, local) for b in bodies)


def test_the_merged_stream_is_in_time_order_and_copies_are_staggered() -> None:
    events, _ = simulate(MULTI)
    times = [e["metadata"]["event_time"] for e in events]
    assert times == sorted(times)
    starts = sorted(
        datetime.fromisoformat(e["metadata"]["event_time"].replace("Z", "+00:00"))
        for e in of(events, "course_created")
    )
    spread = (starts[-1] - starts[0]).total_seconds()
    assert 0 < spread <= 2 * 3600  # stagger: 2h


def test_another_copy_leaves_the_first_courses_people_scores_and_times_alone() -> None:
    def first_course(count: int) -> list[tuple[str, str, Any, Any]]:
        events, _ = simulate(MULTI.replace("count: 3", f"count: {count}"))
        [first] = [
            e["body"]["course_id"]
            for e in of(events, "course_created")
            if e["body"]["name"] == "Biology 1"
        ]
        return [
            (
                e["metadata"]["event_name"],
                e["metadata"]["event_time"],
                e["metadata"].get("user_login"),
                e["body"].get("score"),
            )
            for e in by_course(events)[first]
        ]

    assert first_course(2) == first_course(3)


def test_a_single_course_scenario_is_a_block_of_one() -> None:
    scenario, _ = parse_scenario(START + "course: {name: Solo}\n", "s.yaml")
    [(path, block)] = scenario.blocks()
    assert path == ("course",) and block.name == "Solo" and block.count == 1


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        (
            START + "course: {name: A}\ncourses: [{name: B}]\n",
            "either course (one course) or courses",
            "",
        ),
        (START + "course: {name: 'Bio ${i}'}\n", "${i} (the copy number) may only", ":2:"),
        (
            START + "courses:\n  - students: {uniform: [9, 3]}\n",
            "fewest <= most",
            ":3:",
        ),
        (
            START + "courses:\n  - count: 0\n",
            "expected a number >= 1",
            ":3:",
        ),
        (
            START + "courses:\n  - steps:\n      - grade: {assignment: x, scor: 1}\n",
            "did you mean 'score'",
            ":4:",
        ),
        (
            START + "courses:\n  - steps:\n      - grade: {assignment: nope, score: 1}\n",
            "unknown assignment 'nope'",
            ":4:",
        ),
    ],
)
def test_course_block_mistakes_are_located(text: str, message: str, where: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario, located = parse_scenario(text, "bad.yaml")
        run_scenario(scenario, located, [MemorySink()])
    assert message in str(caught.value)
    assert f"bad.yaml{where}" in str(caught.value)


def test_check_describes_every_course_block(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 copies of course 'Biology 1' (BIO-101)" in result.output
    assert "course 'Chemistry'" in result.output
    assert "course_created" in result.output


# --- include --------------------------------------------------------------------------------


def test_include_merges_mappings_and_splices_lists(tmp_path: Path) -> None:
    (tmp_path / "course.yaml").write_text(
        "name: Shared course\nstudents: 3\n"
        "groups:\n  - key: hw\n    assignments: [{key: hw1, points: 10}]\n"
    )
    (tmp_path / "grading.yaml").write_text(
        "- submit: {assignment: hw1}\n- grade: {assignment: hw1, score: 8}\n"
    )
    main_file = tmp_path / "main.yaml"
    main_file.write_text(
        START + "course:\n  include: course.yaml\n  students: 4\n"
        "steps:\n  - enroll: {}\n  - include: grading.yaml\n"
        "  - comment: {assignment: hw1}\n"
    )
    scenario, located = load_scenario(main_file)
    assert scenario.course.name == "Shared course"
    assert scenario.course.students == 4  # the including file's own key wins
    assert [type(step).__name__ for step in scenario.steps] == [
        "EnrollStep",
        "SubmitStep",
        "GradeStep",
        "CommentStep",
    ]
    # Positions after the splice still point at the right lines of the right files.
    assert located.place(("steps", 3)) == (8, 5, str(main_file))
    assert located.place(("steps", 2, "grade"))[2] == str(tmp_path / "grading.yaml")


def test_mistakes_inside_an_included_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "steps.yaml").write_text("- submit: {assignment: hw1}\n- grade: {scor: 1}\n")
    main_file = tmp_path / "main.yaml"
    main_file.write_text(START + "steps:\n  - include: steps.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(main_file)
    assert str(caught.value).startswith(f"{tmp_path / 'steps.yaml'}:2:")
    assert "did you mean 'score'" in str(caught.value)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"main.yaml": "include: missing.yaml\n"}, "does not exist"),
        ({"main.yaml": "include: a.yaml\n", "a.yaml": "include: main.yaml\n"}, "include cycle"),
        ({"main.yaml": "include: a.yaml\n", "a.yaml": "- 1\n"}, "needs a file holding a mapping"),
        ({"main.yaml": "include: 3\n"}, "include takes a file name"),
        ({"main.yaml": "include: a.yaml\n", "a.yaml": "x: [\n"}, "invalid YAML"),
    ],
)
def test_include_mistakes(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "main.yaml")
    assert message in str(caught.value)
    assert ".yaml:" in str(caught.value)  # located


# --- distributions and behaviour --------------------------------------------------------------

ONE_COURSE = START + textwrap.dedent(
    """\
    course:
      students: {students}
      groups:
        - key: hw
          assignments: [{{key: hw1, points: 10, due: 5d}}]
    steps:
      - enroll: {{}}
    """
)


def with_steps(steps: str, students: int = 200) -> str:
    return ONE_COURSE.format(students=students) + textwrap.indent(textwrap.dedent(steps), "  ")


def test_hand_ins_bunch_up_before_the_due_date_with_some_late_and_some_missing() -> None:
    events, result = simulate(
        with_steps(
            """\
            - at: 1d
              submit: {assignment: hw1, before_due: 2d, late: 10%, missing: 5%, late_by: 6h}
            """
        )
    )
    created = of(events, "submission_created")
    assert len(created) == 200 - 10  # 5% never hand in
    late = [e for e in created if e["body"]["late"]]
    assert len(late) == 19  # 10% of the 190 who hand in
    due = datetime.fromisoformat("2024-09-07T08:00:00-06:00")
    hours_before = [
        (due - datetime.fromisoformat(e["body"]["submitted_at"])).total_seconds() / 3600
        for e in created
    ]
    on_time = [h for h in hours_before if h >= 0]
    assert all(0 <= h <= 48 for h in on_time)
    assert all(-6 <= h < 0 for h in hours_before if h < 0)
    # The burst: most on-time work arrives in the last quarter of the window.
    assert sum(h <= 12 for h in on_time) > len(on_time) / 2
    assert result.gradebook is not None
    states = Counter(
        s["submissions"]["hw1"]["workflow_state"]
        for s in result.gradebook["courses"][0]["students"]
    )
    assert states == {"submitted": 190, "unsubmitted": 10}


def test_before_due_needs_a_due_date_before_the_step() -> None:
    with pytest.raises(ScenarioError, match="already due when this step starts"):
        simulate(with_steps("- at: 6d\n  submit: {assignment: hw1, before_due: 1d}\n"))
    with pytest.raises(ScenarioError, match="late needs before_due"):
        simulate(with_steps("- submit: {assignment: hw1, late: 5%}\n"))


def test_beta_scores_stay_within_the_points_and_centre_on_the_mean() -> None:
    events, _ = simulate(with_steps("- grade: {assignment: hw1, score: {beta: [8, 2]}}\n", 400))
    scores = [e["body"]["score"] for e in of(events, "grade_change")]
    assert len(scores) == 400
    assert all(0 <= s <= 10 and (s * 2).is_integer() for s in scores)
    assert abs(statistics.mean(scores) - 8.0) < 0.3  # Beta(8, 2) has mean 0.8 of the points


def test_comment_counts_lengths_and_attachments_follow_their_ranges() -> None:
    events, _ = simulate(
        with_steps(
            """\
            - submit: {assignment: hw1}
            - comment:
                assignment: hw1
                count: {uniform: [0, 3]}
                words: {uniform: [4, 9]}
                attachments: {uniform: [0, 2]}
            """,
            60,
        )
    )
    comments = of(events, "submission_comment_created")
    per_student = Counter(e["body"]["submission_id"] for e in comments)
    assert max(per_student.values()) <= 3 and len(per_student) < 60  # some drew 0
    assert 60 < len(comments) < 150
    assert all(4 <= len(e["body"]["body"].split()) <= 9 for e in comments)
    assert all(e["body"]["body"].endswith(".") for e in comments)
    attachments = Counter(len(e["body"]["attachment_ids"]) for e in comments)
    assert set(attachments) == {0, 1, 2}


# --- creating assignments and groups mid-term --------------------------------------------------


def test_created_groups_and_assignments_appear_in_the_stream_and_move_final_scores() -> None:
    events, result = simulate(
        with_steps(
            """\
            - submit: {assignment: hw1}
            - grade: {assignment: hw1, score: 8}
            - at: 7d
              create_group:
                key: projects
                weight: 50
                assignments: [{key: proj1, title: Project, points: 40, due: 14d}]
            - create_assignment: {group: hw, key: hw2, points: 10, published: false}
            - update_assignment: {assignment: hw2, published: true}
            - submit: {assignment: proj1}
            - grade: {assignment: proj1, score: 30}
            """,
            3,
        )
    )
    names = [e["metadata"]["event_name"] for e in events]
    created = names.index("assignment_group_created", names.index("grade_change"))
    assert names[created : created + 2] == ["assignment_group_created", "assignment_created"]
    proj = of(events, "assignment_created")[-2]["body"]
    assert (proj["title"], proj["points_possible"]) == ("Project", 40.0)
    hw2 = of(events, "assignment_created")[-1]["body"]
    assert hw2["workflow_state"] == "unpublished"
    assert of(events, "assignment_updated")[-1]["body"]["workflow_state"] == "published"
    # Creating the published project made every final score count it as 0: 8 / 50 = 16 %.
    changes = [c["body"] for c in of(events, "course_grade_change")]
    assert any(b["final_score"] == 16.0 and b["current_score"] == 80.0 for b in changes)
    assert result.gradebook is not None
    [course] = result.gradebook["courses"]
    assert {a["key"] for a in course["assignments"]} == {"hw1", "proj1", "hw2"}
    # 8 + 30 of 10 + 40 + 10 (hw2 published, not graded: 0 in final) = 63.33 %
    assert {s["scores"]["final_score"] for s in course["students"]} == {63.33}
    assert {s["scores"]["current_score"] for s in course["students"]} == {76.0}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("- grade: {assignment: hw9, score: 1}\n", "unknown assignment 'hw9'"),
        (
            "- grade: {assignment: hw9, score: 1}\n- create_assignment: {group: hw, key: hw9}\n",
            "unknown assignment 'hw9'",
        ),
        ("- create_assignment: {group: nope, key: hw9}\n", "unknown group 'nope'"),
        ("- create_assignment: {group: hw, key: hw1}\n", "assignment 'hw1' already exists"),
        ("- create_group: {key: hw}\n", "group 'hw' already exists"),
        (
            "- create_group: {key: g, assignments: [{key: hw1}]}\n",
            "assignment 'hw1' already exists",
        ),
        ("- create_group: {key: g, never_drop: [x]}\n", "never_drop names 'x'"),
    ],
)
def test_creation_mistakes_are_found_before_the_run(steps: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        simulate(with_steps(steps, 2))


def test_steps_may_use_what_an_earlier_step_created() -> None:
    events, _ = simulate(
        with_steps(
            """\
            - create_assignment: {group: hw, key: quiz9, submission_types: [online_quiz]}
            - take_quiz: {assignment: quiz9, score: 7}
            """,
            2,
        )
    )
    assert len(of(events, "quiz_submitted")) == 2


def test_grading_delays_follow_each_hand_in() -> None:
    events, _ = simulate(
        with_steps(
            """\
            - at: 1d
              over: 1d
              submit: {assignment: hw1, missing: 10%}
            - grade: {assignment: hw1, score: 8, delay: {uniform: [2h, 1d]}}
            """,
            30,
        )
    )
    handed_in = {
        e["body"]["submission_id"]: datetime.fromisoformat(e["body"]["submitted_at"])
        for e in of(events, "submission_created")
    }
    graded = {
        e["body"]["submission_id"]: datetime.fromisoformat(e["body"]["graded_at"])
        for e in of(events, "submission_updated")
    }
    assert len(handed_in) == 27 and len(graded) == 30
    last_hand_in = max(handed_in.values())
    for submission, when in graded.items():
        if submission in handed_in:
            hours = (when - handed_in[submission]).total_seconds() / 3600
            assert hours >= 2 and (hours <= 24 or when - last_hand_in < timedelta(minutes=2))
        else:  # never handed in: graded a delay after the step began
            assert when > last_hand_in
    waits = [(graded[s] - handed_in[s]).total_seconds() / 3600 for s in handed_in]
    assert max(waits) - min(waits) > 6  # drawn per student, not one fixed delay


@pytest.mark.parametrize(
    ("steps", "message", "line"),
    [
        (
            "- grade: {assignment: hw1, score: 1, delay: {uniform: [3d, 1d]}}\n",
            "needs shortest <= longest",
            9,
        ),
        ("- grade: {assignment: hw1, score: {beta: [0, 2]}}\n", "needs alpha > 0 and beta > 0", 9),
        ("- grade: {assignment: hw1, score: {normal: [1]}}\n", "takes a list of two numbers", 9),
        ("- grade: {assignment: hw1, score: {unifrom: [1, 2]}}\n", "did you mean 'uniform'", 9),
        ("- comment: {assignment: hw1, words: 0}\n", "expected a number >= 1", 9),
        ("- comment: {assignment: hw1, count: {uniform: [3, 1]}}\n", "fewest <= most", 9),
        ("- submit: {assignment: hw1, missing: half}\n", "expected a percentage like '8%'", 9),
        ("- submit: {assignment: hw0, before_due: 1d}\n", "'hw0' has none", 9),
    ],
)
def test_behaviour_key_mistakes_are_located(steps: str, message: str, line: int) -> None:
    text = with_steps(steps, 2).replace(
        "assignments: [{key: hw1, points: 10, due: 5d}]",
        "assignments: [{key: hw1, points: 10, due: 5d}, {key: hw0}]",
    )
    with pytest.raises(ScenarioError) as caught:
        simulate(text)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"test.yaml:{line}:"), str(caught.value)


# --- found by review -------------------------------------------------------------------------


def test_ids_are_handed_out_in_time_order_within_each_course() -> None:
    """Each course takes ids from its own block (so sharding by course cannot change them), in
    the time order of its events."""
    scenario, located = load_scenario(
        Path(__file__).resolve().parent.parent / "scenarios" / "load.yaml", {"courses": "4"}
    )
    sink = MemorySink()
    run_scenario(scenario, located, [sink])
    highest: dict[tuple[str, object], int] = {}
    checked = Counter[str]()
    for event in sink.events():
        meta, body = event["metadata"], event["body"]
        for kind, value in (
            ("job", meta.get("job_id")),  # a job's events share its id
            ("comment", body.get("submission_comment_id")),
            ("enrollment", body.get("enrollment_id") if "created" in meta["event_name"] else None),
        ):
            if value is None:
                continue
            number = int(value) % 10**13
            course = meta.get("context_id")
            assert number >= highest.get((kind, course), 0), (kind, meta["event_name"])
            highest[(kind, course)] = number
            checked[kind] += 1
    assert checked["job"] > 500 and checked["comment"] > 50 and checked["enrollment"] > 300


def test_one_block_does_not_change_anothers_people() -> None:
    text = START + textwrap.dedent(
        """\
        courses:
          - {name: A, students: 2}
          - {name: B, students: 2}
        steps: [{enroll: {}}]
        """
    )

    def names_in_b(a_students: int) -> list[str]:
        events, _ = simulate(
            text.replace("{name: A, students: 2}", f"{{name: A, students: {a_students}}}")
        )
        b_events = [
            e
            for e in of(events, "enrollment_created")
            if e["metadata"]["context_sis_source_id"] is None
        ]
        courses = {
            e["body"]["course_id"] for e in of(events, "course_created") if e["body"]["name"] == "B"
        }
        return [e["body"]["user_name"] for e in b_events if e["body"]["course_id"] in courses]

    assert names_in_b(2) == names_in_b(3)


def test_errors_in_shared_steps_name_the_course() -> None:
    text = START + textwrap.dedent(
        """\
        courses:
          - name: "Lab ${i}"
            count: 3
            students: {uniform: [0, 1]}
            groups: [{key: g, assignments: [{key: a}]}]
        steps:
          - enroll: {}
          - grade: {assignment: a, students: [student2], score: 1}
        """
    )
    with pytest.raises(ScenarioError, match=r"not a student of the course \(in course 'Lab 1'\)"):
        simulate(text)


def test_a_timestamp_before_a_staggered_start_says_so() -> None:
    text = START + textwrap.dedent(
        """\
        courses:
          - {count: 2, stagger: 1d}
        steps:
          - at: 2024-09-02T09:00:00-06:00
            enroll: {}
        """
    )
    with pytest.raises(ScenarioError, match=r"starts before the course does .*moved by stagger"):
        simulate(text, seed=3)


def test_submitted_and_unsubmitted_select_by_hand_in() -> None:
    _, result = simulate(
        with_steps(
            """\
            - submit: {assignment: hw1, missing: 20%}
            - grade: {assignment: hw1, students: submitted, score: 9}
            - grade: {assignment: hw1, students: unsubmitted, score: 0}
            """,
            10,
        )
    )
    assert result.gradebook is not None
    by_state = {
        (
            s["submissions"]["hw1"]["workflow_state"],
            s["submissions"]["hw1"]["attempt"],
            s["submissions"]["hw1"]["score"],
        )
        for s in result.gradebook["courses"][0]["students"]
    }
    assert by_state == {("graded", 1, 9.0), ("graded", None, 0.0)}
    with pytest.raises(ScenarioError, match="students: submitted needs a step with an assignment"):
        simulate(with_steps("- override_grade: {students: submitted, score: 90}\n", 2))


def test_a_list_item_may_include_several_files_and_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- enroll: {}\n")
    (tmp_path / "b.yaml").write_text("- submit: {assignment: hw1}\n")
    (tmp_path / "empty.yaml").write_text("")
    main_file = tmp_path / "main.yaml"
    main_file.write_text(
        START + "course: {groups: [{key: g, assignments: [{key: hw1}]}]}\n"
        "steps:\n  - include: [a.yaml, b.yaml]\n  - include: empty.yaml\n"
    )
    scenario, _ = load_scenario(main_file)
    assert [type(step).__name__ for step in scenario.steps] == ["EnrollStep", "SubmitStep"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (START + "params: {n: 3}\n", "'n' is reserved"),
        (START + "params: {i: 3}\n", "'i' is reserved"),
        (
            START + "courses: [{students: {uniform: [1, 2000000]}}]\n",
            "expected a number <= 1000000",
        ),
        (
            START + "courses: [{count: 2, teachers: [{key: t, login: ada}]}]\n",
            "login 'ada' is used twice (every copy repeats it",
        ),
        (START + "course: {}\ncourses: []\n", "bad.yaml:3:1: courses: give either"),
        (
            START + "courses:\n  - {cuont: 3}\n",
            "bad.yaml:3:6: courses[0].cuont: unknown key 'cuont', did you mean 'count'?",
        ),
        (START + "courses:\n  - {stagger: soon}\n", "courses[0].stagger: expected a duration"),
        (
            START + "courses:\n  - {steps: [{grde: {}}]}\n",
            "unknown step 'grde', did you mean 'grade'?",
        ),
        (
            START + "courses:\n  - {count: 100001}\n",
            "courses[0].count: expected a number <= 100000",
        ),
        (
            START + "course: {groups: [{key: g, assignments: [{key: a}]}]}\n"
            "steps: [{submit: {assignment: a, missing: 150%}}]\n",
            "a share of at most 100% (got '150%')",
        ),
        (
            START + "course: {groups: [{key: g, assignments: [{key: a}]}]}\n"
            "steps: [{enroll: {}}, {conclude: {students: all}}, {submit: {assignment: a}}]\n",
            "'student1' has been concluded",
        ),
    ],
)
def test_more_mistakes_are_located(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario, located = parse_scenario(text, "bad.yaml")
        run_scenario(scenario, located, [MemorySink()])
    assert message in str(caught.value)


def test_listed_people_take_the_copy_number() -> None:
    events, _ = simulate(
        START + 'courses: [{count: 2, teachers: [{key: t, login: "prof${i}", sis_id: "T${i}"}]}]\n'
    )
    logins = sorted(e["body"]["user_login"] for e in of(events, "user_created"))
    assert [login for login in logins if login.startswith("prof")] == ["prof1", "prof2"]
