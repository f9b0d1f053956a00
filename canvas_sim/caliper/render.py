"""Canvas event (metadata + body) -> Canvas's Caliper 1.1 envelope, through the event's template.

The template ``caliper/<event_name>.json.j2`` renders the event-specific part, ``object`` and
``generated``; the parts every event shares (actor, edApp, group, membership, session,
extensions) are built from the metadata (:mod:`.frame`). A template may also give any of those
keys to replace the built one. Null values are dropped everywhere, as Canvas never sends them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import jinja2
import orjson
from jinja2.runtime import Context

from ..errors import TemplateError
from ..render import TEMPLATE_SUFFIX, render_failure, template_environment
from . import frame
from .ids import (
    CONTEXT,
    add_ms,
    event_uuid,
    global_id,
    section_urn,
    send_delay_ms,
    shard_of,
    utc_ms,
)
from .ids import urn as _urn
from .mapping import FORMS

SUBDIR = "caliper"
_ORDER = (
    *("actor", "action", "object", "eventTime", "generated", "referrer", "edApp", "group"),
    *("membership", "session", "extensions"),
)


class Fields(dict[str, Any]):
    """A body or metadata in a template: a key the event does not carry reads as null (Canvas
    omits null keys in some deliveries), and null values are dropped from the output."""

    def __missing__(self, key: str) -> None:
        return None


def prune(value: dict[str, Any]) -> dict[str, Any] | None:
    """``value`` without null values (at any depth) and without the objects that held only
    nulls; None when nothing is left of it."""
    kept = {}
    for key, item in value.items():
        if item is None:
            continue
        kind = type(item)
        if kind is dict:
            item = prune(item)
            if item is None:
                continue
        elif kind is list:
            item = [inner for inner in map(_prune_item, item) if inner is not None]
        kept[key] = item
    return kept if kept or not value else None


def _prune_item(item: Any) -> Any:
    return prune(item) if type(item) is dict else item


@jinja2.pass_context
def _urn_filter(context: Context, value: Any, kind: str) -> str | None:
    """``{{ body.submission_id | urn("submission") }}``: the id's URN (global)."""
    return _urn(kind, value, context["shard"])


@jinja2.pass_context
def _gid(context: Context, value: Any) -> str | None:
    """``{{ body.assignment_override_id | gid }}``: the id in its global form."""
    return global_id(value, context["shard"])


@jinja2.pass_context
def _section(context: Context, course: Any, section: Any) -> str | None:
    """``{{ body.course_id | section_urn(body.course_section_id) }}``."""
    return section_urn(course, section, context["shard"])


class CaliperRenderer:
    """Renders Canvas events as Caliper envelopes; counts the events without a Caliper form.

    Templates in ``template_dir/caliper/`` override or add to the built-in
    ``templates/caliper/`` ones, as ``template_dir`` does for the Canvas format.
    """

    def __init__(self, template_dir: str | Path | None = None) -> None:
        self._env = template_environment(template_dir, SUBDIR)
        self._env.filters.update(utc=utc_ms, urn=_urn_filter, gid=_gid, section_urn=_section)
        self._templates: dict[str, jinja2.Template] = {}
        self.skipped: Counter[str] = Counter()  # events without a Caliper form, by name
        self.rendered: Counter[str] = Counter()

    def template(self, event_name: str) -> jinja2.Template:
        found = self._templates.get(event_name)
        if found is None:
            name = f"{event_name}{TEMPLATE_SUFFIX}"
            try:
                found = self._env.get_template(name)
            except jinja2.TemplateNotFound:
                raise TemplateError(f"no Caliper template {SUBDIR}/{name}") from None
            except jinja2.TemplateSyntaxError as exc:
                where = exc.filename or f"{SUBDIR}/{name}"
                raise TemplateError(f"{where}:{exc.lineno}: {exc.message}") from None
            self._templates[event_name] = found
        return found

    def _parts(
        self, event_name: str, metadata: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        template = self.template(event_name)
        shard = shard_of(metadata)
        context = {
            "meta": Fields(metadata),
            "body": Fields(body),
            "app": frame.ed_app(metadata),
            "shard": shard,
        }
        try:
            parts = orjson.loads(template.render(context))
        except orjson.JSONDecodeError as exc:
            raise TemplateError(f"{template.filename} rendered invalid JSON: {exc}") from None
        except Exception as exc:  # a user template can raise anything: report, never crash
            raise render_failure(exc, template.filename) from None
        if not isinstance(parts, dict) or not isinstance(parts.get("object"), dict):
            raise TemplateError(f"{template.filename} must render an object with an 'object'")
        return parts

    def event(self, metadata: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | None:
        """The Caliper event (``data[0]``) of one Canvas event; None when it has no form."""
        name = str(metadata.get("event_name"))
        form = FORMS.get(name)
        if form is None:
            self.skipped[name] += 1
            return None
        parts = self._parts(name, metadata, body)
        actor = parts.get("actor") or frame.actor(form, metadata, body)
        group = parts.get("group", frame.group(form, metadata, body))
        membership = None if group is None else frame.membership(form, metadata, actor, group)
        if form.group == "membership":
            group = None
        built: dict[str, Any] = {
            "actor": actor,
            "action": form.action,
            "eventTime": utc_ms(metadata.get("event_time")),
            "referrer": metadata.get("referrer"),
            "edApp": frame.ed_app(metadata),
            "group": group,
            "membership": membership,
            "session": frame.session(metadata),
            "extensions": frame.extensions(metadata),
        }
        built.update(parts)
        event: dict[str, Any] = {"@context": CONTEXT, "id": "", "type": form.type}
        event.update((key, built.get(key)) for key in _ORDER)
        event.update((key, value) for key, value in built.items() if key not in event)
        pruned = prune(event)
        assert pruned is not None  # it has its @context
        self.rendered[name] += 1
        return pruned

    def envelope(self, metadata: dict[str, Any], body: dict[str, Any]) -> bytes | None:
        """The envelope of one Canvas event as compact JSON bytes; None when it has no form.

        The event ``id`` and the ``sendTime`` delay derive from the rest of the event, so the
        same Canvas event always gives the same bytes.
        """
        event = self.event(metadata, body)
        if event is None:
            return None
        content = orjson.dumps(event)
        event["id"] = event_uuid(content)
        envelope = {
            "sensor": frame.sensor(metadata),
            "sendTime": add_ms(event["eventTime"], send_delay_ms(content)),
            "dataVersion": CONTEXT,
            "data": [event],
        }
        return orjson.dumps(envelope)

    def line(self, canvas_line: bytes) -> bytes | None:
        """A Canvas-format JSON line -> its Caliper envelope (None: no Caliper form); a line
        that is a Caliper envelope already (a Caliper file replayed) is returned as it is."""
        payload = orjson.loads(canvas_line)
        if "metadata" not in payload and "data" in payload:
            return canvas_line
        return self.envelope(payload["metadata"], payload["body"])
