"""A large single-course scenario for benchmarks: fixed world size, as many events as asked.

The course has ``students`` students and four weighted groups (one with drop rules); the steps
cycle through submitting, grading (SpeedGrader and API), quizzes, comments and regrades, so the
stream mixes every common event type. Memory stays flat however many cycles run.
"""

from __future__ import annotations

import sys

import yaml


def large_course(students: int = 2000, cycles: int = 40, seed: int = 7) -> str:
    assignments = {
        "hw": [{"key": f"hw{i}", "points": 10, "due": f"{i * 3}d"} for i in range(1, 9)],
        "labs": [{"key": f"lab{i}", "points": 20, "due": f"{i * 7}d"} for i in range(1, 5)],
        "quizzes": [
            {"key": f"q{i}", "points": 15, "submission_types": ["online_quiz"]} for i in range(1, 5)
        ],
        "exams": [
            {"key": "mid", "points": 100, "grading_type": "letter_grade", "post_policy": "manual"}
        ],
    }
    groups = [
        {"key": "hw", "weight": 30, "drop_lowest": 2, "assignments": assignments["hw"]},
        {"key": "labs", "weight": 20, "assignments": assignments["labs"]},
        {"key": "quizzes", "weight": 20, "assignments": assignments["quizzes"]},
        {"key": "exams", "weight": 30, "assignments": assignments["exams"]},
    ]
    steps: list[dict[str, object]] = [{"enroll": {"users": "all"}}]
    for cycle in range(cycles):
        hw = f"hw{cycle % 8 + 1}"
        lab = f"lab{cycle % 4 + 1}"
        quiz = f"q{cycle % 4 + 1}"
        steps += [
            {"after": "1h", "over": "1d", "submit": {"assignment": hw}},
            {
                "after": "1h",
                "over": "1d",
                "grade": {"assignment": hw, "score": {"normal": [8, 1.5]}},
            },
            {
                "after": "1h",
                "over": "1d",
                "take_quiz": {"assignment": quiz, "score": {"uniform": [7, 15]}},
            },
            {"after": "1h", "over": "1d", "submit": {"assignment": lab, "students": "80%"}},
            {
                "after": "1h",
                "over": "1d",
                "grade": {"assignment": lab, "score": {"uniform": [10, 20]}, "via": "api"},
            },
            {"after": "1h", "over": "1d", "comment": {"assignment": lab, "students": "20%"}},
        ]
        if cycle % 10 == 9:
            steps += [
                {
                    "after": "1h",
                    "over": "1d",
                    "grade": {"assignment": "mid", "score": {"normal": [75, 12]}},
                },
                {"after": "1h", "post_grades": {"assignment": "mid"}},
            ]
    scenario = {
        "name": "large-course",
        "seed": seed,
        "start": "2024-08-26T08:00:00-05:00",
        "course": {
            "name": "Large Lecture",
            "time_zone": "America/Chicago",
            "weighted": True,
            "students": students,
            "teachers": 2,
            "groups": groups,
        },
        "steps": steps,
    }
    return yaml.safe_dump(scenario, sort_keys=False)


if __name__ == "__main__":
    students = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    cycles = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    sys.stdout.write(large_course(students, cycles))
