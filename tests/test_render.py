"""Unit tests of canvas_sim.render.Renderer: JSON safety, the sandbox, errors, caching, nulls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.sandbox import SandboxedEnvironment

from canvas_sim.errors import SimulatorError, TemplateError
from canvas_sim.event_types import CATALOGUE
from canvas_sim.render import TEMPLATE_SUFFIX, Renderer, builtin_template_dir

REPO = Path(__file__).resolve().parents[1]

METADATA = {"event_name": "submission_comment_created", "user_sis_id": None, "job_id": None}


def comment_fields(text: str) -> dict[str, Any]:
    return {
        "attachment_ids": ["31", "32"],
        "body": text,
        "created_at": "2024-09-05T16:00:00.123Z",
        "submission_comment_id": "77",
        "submission_id": "5501",
        "user_id": "19241",
    }


def grade_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "assignment_id": "21070000000007001",
        "assignment_name": "Homework 1",
        "grade": "",
        "grader_id": None,
        "grading_complete": False,
        "muted": False,
        "old_grade": None,
        "old_points_possible": 10.0,
        "old_score": None,
        "points_possible": 10.0,
        "score": 0.0,
        "student_id": "21070000000019242",
        "student_sis_id": None,
        "submission_id": "21070000000055001",
        "user_id": "21070000000019242",
    }
    fields.update(changes)
    return fields


def user_templates(tmp_path: Path, **templates: str) -> Path:
    directory = tmp_path / "templates"
    directory.mkdir(exist_ok=True)
    for event, text in templates.items():
        (directory / f"{event}{TEMPLATE_SUFFIX}").write_text(text, encoding="utf-8")
    return directory


# --- any text survives as JSON --------------------------------------------------------------

TRICKY_TEXTS = [
    "",
    "double \"quotes\" and 'single'",
    "back\\slash \\n not a newline \\u0041 \\",
    "new\nline, carriage\rreturn, crlf\r\n, tab\there",
    "emoji \U0001f600\U0001f469\u200d\U0001f52c flags \U0001f1fa\U0001f1f8",
    "RTL \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u202eoverride\u202c",
    "</script><script>alert(1)</script> <!-- -->",
    "NUL \x00 inside",
    "".join(chr(code) for code in range(32)) + "\x7f\x80\x9f",
    "line \u2028 and paragraph \u2029 separators, BOM \ufeff, nbsp \u00a0",
    "{{ not_a_template }} {% raw %} {# comment #}",
    "combining e\u0301 and astral \U00010348 \U0010ffff",
    "x" * 10_000,
]


def check_round_trip(renderer: Renderer, text: str) -> None:
    line = renderer.render(METADATA, "submission_comment_created", comment_fields(text))
    assert isinstance(line, bytes)
    assert b"\n" not in line and b"\r" not in line, "one event must stay on one line"
    for parsed in (json.loads(line), orjson.loads(line)):
        assert parsed == {"metadata": METADATA, "body": comment_fields(text)}
        assert parsed["body"]["body"] == text


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_tricky_text_round_trips(text: str) -> None:
    check_round_trip(Renderer(), text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    check_round_trip(Renderer(), text)


def test_lone_surrogate_is_a_clean_error_or_escaped() -> None:
    text = "bad \ud83d half of an emoji"
    try:
        line = Renderer().render(METADATA, "submission_comment_created", comment_fields(text))
    except SimulatorError:
        return
    assert json.loads(line)["body"]["body"] == text


def test_every_value_type_round_trips() -> None:
    fields = grade_fields(
        score=12.5, old_score=0.0, grade="A-", grading_complete=True, points_possible=1e-3
    )
    body = Renderer().body("grade_change", fields)
    assert body == fields
    assert isinstance(body["score"], float)


# --- the built-in templates -----------------------------------------------------------------


def builtin_names() -> list[str]:
    shipped = builtin_template_dir().glob(f"*{TEMPLATE_SUFFIX}")  # caliper/ has its own tests
    return sorted(p.name.removesuffix(TEMPLATE_SUFFIX) for p in shipped)


def test_builtin_template_dir_is_the_repositorys() -> None:
    assert builtin_template_dir().resolve() == (REPO / "templates").resolve()


def test_every_catalogued_event_has_a_template() -> None:
    assert set(CATALOGUE) <= set(builtin_names())
    renderer = Renderer()
    for name in CATALOGUE:
        assert isinstance(renderer.template(name), jinja2.Template)


@pytest.mark.parametrize("event", builtin_names())
def test_builtin_templates_map_each_field_to_its_key(event: str) -> None:
    """Every shipped template: ``"field": {{ field | tojson }}`` for each of its fields."""
    source = (builtin_template_dir() / f"{event}{TEMPLATE_SUFFIX}").read_text(encoding="utf-8")
    variables = jinja2.meta.find_undeclared_variables(SandboxedEnvironment().parse(source))
    assert variables or event == "logged_out"  # its body is always empty
    fields = {name: f"value of {name}" for name in sorted(variables)}
    assert Renderer().body(event, fields) == fields
    assert Renderer(nulls="omit").body(event, dict.fromkeys(fields)) == {}


# --- errors ---------------------------------------------------------------------------------


def test_missing_template_names_the_event() -> None:
    with pytest.raises(TemplateError, match=r"no_such_event") as caught:
        Renderer().body("no_such_event", {})
    assert caught.value.exit_code == 2


def test_missing_template_directory(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no such template directory"):
        Renderer(tmp_path / "nope")


def test_template_directory_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(TemplateError):
        Renderer(path)


def test_undefined_variable_names_the_template(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, grade_change='{"a": {{ no_such_field }}}')
    with pytest.raises(TemplateError) as caught:
        Renderer(directory).body("grade_change", grade_fields())
    message = str(caught.value)
    assert "grade_change.json.j2" in message
    assert "no_such_field" in message


def test_undefined_variable_through_tojson_names_the_template(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, grade_change='{"a": {{ no_such_field | tojson }}}')
    with pytest.raises(TemplateError) as caught:
        Renderer(directory).body("grade_change", grade_fields())
    assert "grade_change.json.j2" in str(caught.value)
    assert "no_such_field" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # a plain field list (rendered without Jinja): the line and column of the name
        ('{\n  "a": {{ grade | tojson }},\n  "b":   {{ nosuch | tojson }}\n}', ":3:13:"),
        # a template that runs in Jinja: the line from its traceback, the column of the name
        ('{\n  {% if true %}\n  "b": {{ "x" ~ nosuch | tojson }}\n  {% endif %}\n}', ":3:17:"),
    ],
)
def test_undefined_variable_names_the_line_and_column(
    tmp_path: Path, text: str, place: str
) -> None:
    directory = user_templates(tmp_path, grade_change=text)
    with pytest.raises(TemplateError) as caught:
        Renderer(directory).body("grade_change", grade_fields())
    assert str(caught.value) == f"{directory / 'grade_change.json.j2'}{place} 'nosuch' is undefined"


def test_python_error_in_template_names_the_line(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, grade_change='{\n  "a": 1,\n  "b": {{ 1 // 0 }}\n}')
    with pytest.raises(TemplateError, match=r"grade_change\.json\.j2:3: ZeroDivisionError"):
        Renderer(directory).body("grade_change", grade_fields())


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__",
        "''.__class__.__mro__[1].__subclasses__()",
        "grade.__class__",
        "range.__globals__",
        "self.__init__.__globals__",
        "cycler.__init__.__globals__",
        "lipsum.__globals__",
    ],
)
def test_sandbox_blocks_internals(tmp_path: Path, expression: str) -> None:
    directory = user_templates(tmp_path, grade_change=f'{{"a": "{{{{ {expression} }}}}"}}')
    with pytest.raises(TemplateError) as caught:
        Renderer(directory).body("grade_change", grade_fields())
    assert "grade_change.json.j2" in str(caught.value)
    assert "is unsafe" in str(caught.value)


def test_sandbox_blocks_format_string_escapes(tmp_path: Path) -> None:
    directory = user_templates(
        tmp_path, grade_change='{"a": {{ "{0.__class__.__mro__}".format(grade) | tojson }}}'
    )
    with pytest.raises(TemplateError, match="unsafe"):
        Renderer(directory).body("grade_change", grade_fields())


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, grade_change='{\n  "a": 1,\n  "b": {{ grade | tojson }\n}')
    with pytest.raises(TemplateError, match=r"grade_change\.json\.j2:3: "):
        Renderer(directory).body("grade_change", grade_fields())


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"a": {{ grade | tojson }},}', "invalid JSON"),
        ('{"a": {{ grade }}}', "invalid JSON"),  # grade "" without tojson: {"a": }
        ("{{ grade | tojson }}", "must render a JSON object"),
        ("[1, 2]", "must render a JSON object"),
        ("null", "must render a JSON object"),
        ("", "invalid JSON"),
    ],
)
def test_output_must_be_a_json_object(tmp_path: Path, text: str, match: str) -> None:
    directory = user_templates(tmp_path, grade_change=text)
    with pytest.raises(TemplateError, match=match) as caught:
        Renderer(directory).body("grade_change", grade_fields())
    assert "grade_change.json.j2" in str(caught.value)


def test_python_error_in_template_is_a_template_error(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, grade_change='{"a": {{ 1 // 0 }}}')
    with pytest.raises(TemplateError, match=r"grade_change\.json\.j2"):
        Renderer(directory).body("grade_change", grade_fields())


def test_template_not_utf8_is_a_template_error(tmp_path: Path) -> None:
    directory = user_templates(tmp_path)
    (directory / "grade_change.json.j2").write_bytes(b'{"a": "caf\xe9"}')
    with pytest.raises(TemplateError, match=r"grade_change\.json\.j2"):
        Renderer(directory).body("grade_change", grade_fields())


# --- user templates override the built-ins --------------------------------------------------


def test_user_template_overrides_only_its_event(tmp_path: Path) -> None:
    directory = user_templates(
        tmp_path, grade_change='{"only": {{ assignment_name | tojson }}, "n": {{ score | tojson }}}'
    )
    renderer = Renderer(directory)
    assert renderer.body("grade_change", grade_fields(score=7.5)) == {
        "only": "Homework 1",
        "n": 7.5,
    }
    # Other events still use the built-in template.
    assert renderer.body("submission_comment_created", comment_fields("hi")) == comment_fields("hi")


def test_user_template_adds_a_new_event(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, custom_event='{"x": {{ x | tojson }}}')
    assert Renderer(directory).body("custom_event", {"x": [1, "2"]}) == {"x": [1, "2"]}
    with pytest.raises(TemplateError, match="custom_event"):
        Renderer().body("custom_event", {"x": 1})


def test_user_templates_can_use_jinja_features(tmp_path: Path) -> None:
    directory = user_templates(
        tmp_path,
        grade_change="{% set pct = (score / points_possible * 100) | round(1) %}"
        '{"pct": {{ pct | tojson }}, "upper": {{ assignment_name | upper | tojson }}}',
    )
    body = Renderer(directory).body("grade_change", grade_fields(score=7.0))
    assert body == {"pct": 70.0, "upper": "HOMEWORK 1"}


# --- compile once ---------------------------------------------------------------------------


def test_template_object_is_reused() -> None:
    renderer = Renderer()
    first = renderer.template("grade_change")
    for _ in range(5):
        renderer.body("grade_change", grade_fields())
    assert renderer.template("grade_change") is first
    assert renderer.template("submission_comment_created") is not first


def test_templates_are_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str | None] = []
    original = SandboxedEnvironment.compile

    def counting_compile(
        self: SandboxedEnvironment, source: Any, name: Any = None, *a: Any, **k: Any
    ) -> Any:
        compiled.append(name)
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(SandboxedEnvironment, "compile", counting_compile)
    renderer = Renderer()
    for index in range(200):
        renderer.render(METADATA, "grade_change", grade_fields(score=float(index % 10)))
        renderer.render(METADATA, "submission_comment_created", comment_fields(str(index)))
    assert sorted(compiled) == ["grade_change.json.j2", "submission_comment_created.json.j2"]


def test_user_template_is_read_once(tmp_path: Path) -> None:
    directory = user_templates(tmp_path, grade_change='{"v": 1}')
    renderer = Renderer(directory)
    assert renderer.body("grade_change", grade_fields()) == {"v": 1}
    (directory / "grade_change.json.j2").write_text('{"v": 2}', encoding="utf-8")
    assert renderer.body("grade_change", grade_fields()) == {"v": 1}
    assert Renderer(directory).body("grade_change", grade_fields()) == {"v": 2}


# --- null policies --------------------------------------------------------------------------

NULLS = grade_fields(grader_id=None, old_grade=None, old_score=None, student_sis_id=None)
NON_NULL = {key: value for key, value in NULLS.items() if value is not None}


def test_null_fixture_has_nulls_and_falsy_values() -> None:
    assert len(NULLS) - len(NON_NULL) == 4
    # Falsy values that are not null must survive every policy.
    assert NON_NULL["grade"] == "" and NON_NULL["score"] == 0.0
    assert NON_NULL["grading_complete"] is False


@pytest.mark.parametrize("job", [False, True])
def test_keep_is_the_default(job: bool) -> None:
    assert Renderer().body("grade_change", NULLS, job=job) == NULLS
    assert Renderer(nulls="keep").body("grade_change", NULLS, job=job) == NULLS


@pytest.mark.parametrize("job", [False, True])
def test_omit_drops_null_keys_everywhere(job: bool) -> None:
    body = Renderer(nulls="omit").body("grade_change", NULLS, job=job)
    assert body == NON_NULL
    assert list(body) == list(NON_NULL), "key order is kept"


def test_omit_requests_drops_nulls_only_in_request_events() -> None:
    renderer = Renderer(nulls="omit-requests")
    assert renderer.body("grade_change", NULLS, job=False) == NON_NULL
    assert renderer.body("grade_change", NULLS, job=True) == NULLS
    assert renderer.body("grade_change", NULLS) == NON_NULL, "request-driven is the default"


def test_omit_keeps_nested_nulls_and_metadata_nulls() -> None:
    fields = comment_fields("x")
    fields["attachment_ids"] = [None, "3"]
    fields["user_id"] = None
    line = Renderer(nulls="omit").render(METADATA, "submission_comment_created", fields)
    event = orjson.loads(line)
    assert event["metadata"] == METADATA  # metadata nulls are never dropped
    assert "user_id" not in event["body"]
    assert event["body"]["attachment_ids"] == [None, "3"]


@pytest.mark.parametrize(
    ("nulls", "job", "body"),
    [
        ("keep", True, NULLS),
        ("keep", False, NULLS),
        ("omit", True, NON_NULL),
        ("omit", False, NON_NULL),
        ("omit-requests", True, NULLS),
        ("omit-requests", False, NON_NULL),
    ],
)
def test_render_shape(nulls: Any, job: bool, body: dict[str, Any]) -> None:
    line = Renderer(nulls=nulls).render(METADATA, "grade_change", NULLS, job=job)
    assert line.startswith(b'{"metadata":{')
    assert orjson.loads(line) == {"metadata": METADATA, "body": body}


def test_field_list_templates_take_the_direct_path_with_identical_output() -> None:
    """Built-in templates are plain field lists: the direct builder must equal Jinja2's output."""
    from canvas_sim.render import builtin_template_dir, simple_fields

    golden = Path(__file__).resolve().parent / "golden" / "quickstart.jsonl"
    quickstart = golden.read_bytes().splitlines()
    bodies = {}
    for line in quickstart:
        event = json.loads(line)
        bodies.setdefault(event["metadata"]["event_name"], event["body"])
    fast = Renderer()
    for path in sorted(builtin_template_dir().glob("*.json.j2")):
        name = path.name.removesuffix(".json.j2")
        pairs = simple_fields(path.read_text(encoding="utf-8"))
        assert pairs or name == "logged_out", f"{path.name} is no longer a plain field list"
        fields = bodies.get(name) or {key: f"v-{key}" for key, _ in pairs}
        slow = json.loads(fast.template(name).render(fields))
        assert fast.body(name, fields) == slow
        assert list(fast.body(name, fields)) == list(slow)  # same key order


@pytest.mark.parametrize(
    "source",
    [
        '{"a": {{ a | tojson }}, "b": {{ a | upper | tojson }}}',
        '{"a": {{ a }}}',
        '{% if a %}{"a": 1}{% endif %}',
        '{"a": {{ a | tojson }}, "a": {{ a | tojson }}}',
    ],
)
def test_anything_beyond_a_field_list_runs_in_jinja(source: str) -> None:
    from canvas_sim.render import simple_fields

    assert simple_fields(source) is None


# --- fields already in the template's order are not copied ----------------------------------


def test_fields_in_the_templates_order_are_the_body_itself() -> None:
    fields = grade_fields()  # grade_change.json.j2 lists these keys in this order
    assert Renderer().body("grade_change", fields) is fields
    assert Renderer(nulls="omit").body("grade_change", NULLS) == NON_NULL


def test_fields_in_another_order_come_out_in_the_templates_order() -> None:
    fields = grade_fields()
    shuffled = dict(reversed(fields.items()))
    body = Renderer().body("grade_change", shuffled)
    assert body is not shuffled
    assert list(body) == list(fields) and body == fields
    renderer = Renderer()
    assert renderer.render(METADATA, "grade_change", shuffled) == renderer.render(
        METADATA, "grade_change", fields
    )


def test_extra_fields_are_left_out_and_missing_ones_are_errors() -> None:
    assert Renderer().body("grade_change", grade_fields(extra="x")) == grade_fields()
    fields = grade_fields()
    del fields["score"]
    lines = (builtin_template_dir() / "grade_change.json.j2").read_text("utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if '"score":' in text)
    place = f"{line}:{lines[line - 1].index('score |') + 1}"
    with pytest.raises(
        TemplateError, match=rf"grade_change\.json\.j2:{place}: 'score' is undefined"
    ):
        Renderer().body("grade_change", fields)


def test_keys_that_are_other_fields_are_copied(tmp_path: Path) -> None:
    """Same names in the same order, but each key takes the other field: no shortcut."""
    directory = user_templates(tmp_path, swap='{"a": {{ b | tojson }}, "b": {{ a | tojson }}}')
    body = Renderer(directory).body("swap", {"a": 1, "b": 2})
    assert body == {"a": 2, "b": 1}


def test_the_engines_fields_are_in_the_templates_order() -> None:
    """Every event type takes the no-copy path (a builder out of order would be slower)."""
    from canvas_sim.engine import Engine
    from canvas_sim.scenario import load_scenario

    renderer = Renderer()
    seen = set()
    small = {"campus-day": {"courses": "2"}}
    names = ("edge-cases", "quickstart", "quiz-day", "regrade-storm", "semester", "term")
    for name in (*names, "campus-day"):
        scenario, located = load_scenario(REPO / "scenarios" / f"{name}.yaml", small.get(name))
        for event in Engine(scenario, located).events():
            assert renderer.body(event.name, event.fields) is event.fields, event.name
            seen.add(event.name)
    assert seen == set(CATALOGUE)
