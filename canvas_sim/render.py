"""Rendering: Jinja2 body templates (one per event type, compiled once) -> JSON bytes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import jinja2
import orjson
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .event_types import OPTIONAL_FIELDS
from .resources import shipped_dir

NullPolicy = Literal["keep", "omit", "omit-requests"]
# A template that only lists fields ("key": {{ name | tojson }}) renders through a direct
# builder with the same output; anything else runs in Jinja2.
_FIELD = re.compile(
    r'\s*"([^"\\]+)"\s*:\s*\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*tojson\s*-?\}\}\s*'
)
_FIELD_USE = r"\{{\{{-?\s*({})\s*\|"  # where a field list uses a name (format with the name)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
NULL_POLICIES: tuple[str, ...] = ("keep", "omit", "omit-requests")
TEMPLATE_SUFFIX = ".json.j2"


def _tojson(value: Any) -> str:
    """JSON for any value (quotes, newlines, unicode, ``</script>``), via orjson."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return orjson.dumps(value).decode()


def builtin_template_dir() -> Path:
    return shipped_dir("templates")


# Body timestamps whose seed examples show milliseconds (kept by default, as the seeds show);
# every other body timestamp has second precision, as captured payloads do.
MILLISECOND_FIELDS = {"grade_override": "updated_at", "submission_comment_created": "created_at"}
_MILLIS = re.compile(r"\.\d{3}Z$")


def template_environment(template_dir: str | Path | None, subdir: str = "") -> SandboxedEnvironment:
    """A sandboxed Jinja2 environment (StrictUndefined, the ``tojson`` filter) loading
    ``subdir`` of the user's ``template_dir`` first, then of the built-in templates."""
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        if not Path(template_dir).is_dir():
            raise TemplateError(f"{template_dir}: no such template directory")
        loaders.append(jinja2.FileSystemLoader(str(Path(template_dir) / subdir)))
    loaders.append(jinja2.FileSystemLoader(str(builtin_template_dir() / subdir)))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        auto_reload=False,
    )
    env.filters["tojson"] = _tojson
    return env


class Renderer:
    """Turns (metadata, event name, body fields) into one JSON line.

    User templates in ``template_dir`` override or add to the built-in ones; they run in
    Jinja2's sandbox with StrictUndefined, so a misspelt field fails loudly.
    """

    def __init__(
        self,
        template_dir: str | Path | None = None,
        nulls: NullPolicy = "keep",
        *,
        body_ms: bool = True,
    ) -> None:
        self._env = template_environment(template_dir)
        self._templates: dict[str, jinja2.Template] = {}
        self._builders: dict[str, tuple[tuple[str, str], ...] | None] = {}
        # Per plain template whose keys are its field names: those names, in its order.
        self._same_names: dict[str, tuple[str, ...] | None] = {}
        self._nulls = nulls
        self._body_ms = body_ms  # False: the seed-documented millisecond fields in seconds

    def template(self, event_name: str) -> jinja2.Template:
        """The compiled template of ``event_name`` (compiled on first use, then cached)."""
        template = self._templates.get(event_name)
        if template is None:
            name = event_name + TEMPLATE_SUFFIX
            try:
                template = self._env.get_template(name)
            except jinja2.TemplateNotFound:
                raise TemplateError(f"no template {name} for event {event_name!r}") from None
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
            except UnicodeDecodeError:
                raise TemplateError(f"{name} is not valid UTF-8 text") from None
            self._templates[event_name] = template
        return template

    def _builder(self, event_name: str) -> tuple[tuple[str, str], ...] | None:
        """(key, field) pairs when the template is a plain field list, else None."""
        if event_name not in self._builders:
            template = self.template(event_name)
            loader = self._env.loader
            assert loader is not None and template.name is not None
            source, _, _ = loader.get_source(self._env, template.name)
            pairs = self._builders[event_name] = simple_fields(source)
            same = pairs is not None and all(key == name for key, name in pairs)
            self._same_names[event_name] = tuple(key for key, _ in pairs or ()) if same else None
        return self._builders[event_name]

    def body(self, event_name: str, fields: dict[str, Any], *, job: bool = False) -> dict[str, Any]:
        """The event body as a dict, rendered through its template.

        When ``fields`` already has the template's keys in its order, the body is ``fields``
        itself (no copy): do not change the one returned. Some event types leave keys out
        (``OPTIONAL_FIELDS``: ``asset_accessed`` has ``filename`` only for files); their
        absence is no error and the body has no such key.
        """
        pairs = self._builder(event_name)
        if pairs is not None:
            same = self._same_names[event_name]
            if tuple(fields) == same:
                return self._apply_nulls(fields, job)
            optional = OPTIONAL_FIELDS.get(event_name)
            if (
                optional is not None
                and same is not None
                and tuple(k for k in same if k in fields) == tuple(fields)
                and optional.issuperset(k for k in same if k not in fields)
            ):
                return self._apply_nulls(fields, job)
            try:
                body = {key: fields[name] for key, name in pairs}
            except KeyError as exc:
                name = exc.args[0]
                if optional is None or name not in optional:
                    filename = self.template(event_name).filename
                    where = _place(_source(filename), _FIELD_USE.format(re.escape(name)))
                    raise TemplateError(f"{filename}{where}: {name!r} is undefined") from None
                body = self._without_optional(event_name, pairs, fields, optional)
            return self._apply_nulls(body, job)
        return self._apply_nulls(self._render_text(event_name, fields), job)

    def _without_optional(
        self,
        event_name: str,
        pairs: tuple[tuple[str, str], ...],
        fields: dict[str, Any],
        optional: frozenset[str],
    ) -> dict[str, Any]:
        """The body of an event that leaves some optional keys out (any other is an error)."""
        for _, name in pairs:
            if name not in fields and name not in optional:
                raise TemplateError(f"{self.template(event_name).filename}: {name!r} is undefined")
        return {key: fields[name] for key, name in pairs if name in fields}

    def _apply_nulls(self, body: dict[str, Any], job: bool) -> dict[str, Any]:
        if self._nulls == "omit" or (self._nulls == "omit-requests" and not job):
            return {key: value for key, value in body.items() if value is not None}
        return body

    def _render_text(self, event_name: str, fields: dict[str, Any]) -> dict[str, Any]:
        template = self.template(event_name)
        try:
            text = template.render(fields)
        except Exception as exc:  # a user template can raise anything: report, never crash
            raise render_failure(exc, template.filename) from None
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise TemplateError(f"{template.filename} rendered invalid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise TemplateError(f"{template.filename} must render a JSON object")
        return body

    def render(
        self,
        metadata: dict[str, Any],
        event_name: str,
        fields: dict[str, Any],
        *,
        job: bool = False,
    ) -> bytes:
        """One event as compact JSON bytes: ``{"metadata": ..., "body": ...}``."""
        body = self.body(event_name, fields, job=job)
        if not self._body_ms and event_name in MILLISECOND_FIELDS:
            key = MILLISECOND_FIELDS[event_name]
            if isinstance(body.get(key), str):
                body = {**body, key: _MILLIS.sub("Z", body[key])}
        try:
            return orjson.dumps({"metadata": metadata, "body": body})
        except TypeError as exc:
            raise TemplateError(
                f"event {event_name!r} holds a value JSON cannot carry: {exc}"
            ) from None


def _source(filename: str | None) -> str:
    try:
        return Path(filename).read_text(encoding="utf-8") if filename else ""
    except (OSError, UnicodeDecodeError):
        return ""


def _place(source: str, pattern: str, line: int | None = None) -> str:
    """``:line:column`` of the first match of ``pattern`` (of its group, if any) in ``source``,
    on ``line`` if given; ``:line`` alone when it is not found on that line; else ``""``."""
    lines = source.splitlines()
    numbers = [line] if line is not None else range(1, len(lines) + 1)
    for number in numbers:
        text = lines[number - 1] if 0 < number <= len(lines) else ""
        match = re.search(pattern, text)
        if match:
            return f":{number}:{match.start(1 if match.re.groups else 0) + 1}"
    return f":{line}" if line is not None else ""


def _error_place(exc: BaseException, filename: str | None) -> str:
    """Where in the template file ``exc`` was raised: Jinja's traceback frames carry the
    template's own file name and line numbers (the innermost one is the failing line)."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return ""
    undefined = re.match(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined", str(exc))
    if undefined is None:
        return f":{line}"
    name = undefined.group(1)
    return _place(_source(filename), rf"\b{re.escape(name)}\b", line)


def render_failure(exc: Exception, filename: str | None) -> TemplateError:
    """The error for a template that raised ``exc`` while rendering, naming its file and line."""
    detail = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
    return TemplateError(f"{filename}{_error_place(exc, filename)}: {detail}")


def simple_fields(source: str) -> tuple[tuple[str, str], ...] | None:
    """Parse ``{"key": {{ name | tojson }}, ...}`` (comments allowed) into (key, name) pairs."""
    text = _COMMENT.sub("", source).strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    inner = text[1:-1].strip()
    if not inner:
        return ()
    pairs = []
    for part in inner.split(","):
        match = _FIELD.fullmatch(part)
        if match is None:
            return None
        pairs.append((match.group(1), match.group(2)))
    if len({key for key, _ in pairs}) != len(pairs):
        return None  # duplicate keys: let JSON parsing decide, as in the slow path
    return tuple(pairs)
