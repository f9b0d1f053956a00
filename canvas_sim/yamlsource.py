"""Safe YAML loading that remembers where every value came from (line and column)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ScenarioError

Path = tuple[str | int, ...]
_SURROGATES = re.compile("[\ud800-\udfff]")
# What YAML does not allow in a file (PyYAML's Reader refuses it with no place given).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


@dataclass
class Located:
    """Plain Python data from a YAML file, plus the 1-based line:column of every path in it."""

    data: Any
    file: str
    # path -> (line, column, file): included files keep their own names
    positions: dict[Path, tuple[int, int, str]] = field(default_factory=dict)

    def place(self, path: Sequence[str | int]) -> tuple[int | None, int | None, str]:
        """File, line and column of the longest prefix of ``path`` that the data came from."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return found
        return None, None, self.file

    def position(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Line and column of the longest prefix of ``path`` that the file contains."""
        line, column, _ = self.place(path)
        return line, column

    def error(self, message: str, path: Sequence[str | int]) -> ScenarioError:
        """A ScenarioError pointing at ``path``."""
        line, column, file = self.place(path)
        return ScenarioError(message, file=file, line=line, column=column, where=format_path(path))


def format_path(path: Sequence[str | int]) -> str:
    """``("steps", 3, "grade")`` -> ``steps[3].grade``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# ${ not just after a quote: in a flow collection YAML reads its { as a mapping's start.
_UNQUOTED_PARAM = re.compile(r"""(?<!["'])\$\{""")


def character_name(char: str) -> str:
    """``NUL (U+0000)``, ``U+0089``: a character named for an error message."""
    code = f"U+{ord(char):04X}"
    return f"NUL ({code})" if char == "\x00" else code


def _place(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def decode_source(data: bytes, file: str) -> str:
    """A YAML file's bytes as text; a byte that is not UTF-8 is a located ScenarioError."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _place(data[: exc.start].decode("utf-8"), exc.start)
        byte = data[exc.start]
        raise ScenarioError(
            f"byte 0x{byte:02x} is not UTF-8 text (a YAML file is UTF-8 text, not binary data)",
            file=file,
            line=line,
            column=column,
        ) from None


def _refuse_unprintable(text: str, file: str) -> None:
    """A control character in the file (YAML allows tab and line breaks only) is located."""
    found = _NOT_PRINTABLE.search(text)
    if found is not None:
        line, column = _place(text, found.start())
        char = found.group()
        hint = (
            "Canvas cannot store it either: remove it"
            if char == "\x00"
            else "write it as an escape in a double-quoted string if it is meant"
        )
        raise ScenarioError(
            f"the file holds the control character {character_name(char)}, which YAML does "
            f"not allow ({hint})",
            file=file,
            line=line,
            column=column,
        )


def load_yaml(text: str, file: str) -> Located:
    """Parse ``text`` with the safe loader; raise ScenarioError with a position on bad YAML."""
    _refuse_unprintable(text, file)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        located = Located(data=None, file=file)
        located.data = {} if node is None else _convert(loader, node, (), located.positions, file)
        return located
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        lines = text.splitlines()
        if mark and mark.line < len(lines) and _UNQUOTED_PARAM.search(lines[mark.line]):
            problem += ' (inside [...] or {...}, quote a ${param}: "${name}")'
        raise ScenarioError(
            f"invalid YAML: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


def _convert(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: Path,
    positions: dict[Path, tuple[int, int, str]],
    file: str,
) -> Any:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1, file)
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_TAGS:
        raise yaml.MarkedYAMLError(
            problem=f"unsupported tag {node.tag!r}", problem_mark=node.start_mark
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            _refuse_nul(key, key_node, path, file)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.MarkedYAMLError(
                    problem=f"a mapping key must be a plain value, not {type(key).__name__}",
                    problem_mark=key_node.start_mark,
                )
            if key in result:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            key_path = (*path, str(key))
            result[key] = _convert(loader, value_node, key_path, positions, file)
            mark = key_node.start_mark
            positions[key_path] = (mark.line + 1, mark.column + 1, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, item, (*path, index), positions, file)
            for index, item in enumerate(node.value)
        ]
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError as exc:  # a scalar that looks like a timestamp but is not a real one
        raise yaml.MarkedYAMLError(
            problem=f"{node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]} ({exc})",
            problem_mark=node.start_mark,
        ) from None
    if isinstance(value, str):
        if _SURROGATES.search(value):
            value = _join_surrogates(value, node)
        _refuse_nul(value, node, path, file)
    return value


def _refuse_nul(value: Any, node: yaml.Node, path: Path, file: str) -> None:
    """Text with NUL (an escape such as ``"\\0"``) is a located error: Canvas cannot store it."""
    if isinstance(value, str) and "\x00" in value:
        raise ScenarioError(
            "text holds a NUL character (U+0000), which Canvas cannot store: remove it",
            file=file,
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
            where=format_path(path) or None,
        )


def _join_surrogates(text: str, node: yaml.Node) -> str:
    """Escaped UTF-16 pairs (``"\\ud83d\\ude00"``) become one character; lone halves are errors."""
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise yaml.MarkedYAMLError(
            problem="text contains a lone UTF-16 surrogate, which is not valid unicode",
            problem_mark=node.start_mark,
        ) from None
