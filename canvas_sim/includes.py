"""``include:`` in scenario files: other YAML files merged in, their positions kept for errors.

Two forms, both relative to the including file:

* in a mapping, ``include: FILE`` (or a list of files) takes the file's mapping as the base and
  the mapping's own keys override it (later files override earlier ones);
* in a list, an item that is only ``{include: FILE}`` is replaced by the items of the file's list
  (shared steps, say).

Included files may include others; a cycle is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .yamlsource import Located, decode_source, load_yaml

YamlPath = tuple[str | int, ...]


def resolve_includes(located: Located) -> None:
    """Replace every ``include:`` in ``located`` by the files it names, in place."""
    resolver = _Resolver(located, (_identity(located.file),))
    located.data = resolver.value(located.data, ())


def _identity(file: str) -> str:
    return str(Path(file).resolve()) if not file.startswith("<") else file


class _Resolver:
    def __init__(self, located: Located, chain: tuple[str, ...]) -> None:
        self.located = located
        self.chain = chain
        here = Path(located.file)
        self.base = Path.cwd() if located.file.startswith("<") else here.parent

    def value(self, value: Any, path: YamlPath) -> Any:
        if isinstance(value, dict):
            return self.mapping(value, path)
        if isinstance(value, list):
            return self.sequence(value, path)
        return value

    def mapping(self, value: dict[Any, Any], path: YamlPath) -> dict[Any, Any]:
        if "include" not in value:
            return {key: self.value(item, (*path, key)) for key, item in value.items()}
        where = (*path, "include")
        names = value["include"]
        names = names if isinstance(names, list) else [names]
        result: dict[Any, Any] = {}
        for index, name in enumerate(names):
            name_path = where if value["include"] is name else (*where, index)
            included = self.load(name, name_path)
            if not isinstance(included.data, dict):
                raise self.located.error(
                    f"{name!r} holds a {_kind(included.data)}; an include inside a mapping "
                    "needs a file holding a mapping",
                    name_path,
                )
            self.transplant(included, (), path, skip=set(value))
            result.update(included.data)
        for key, item in value.items():
            if key != "include":
                result[key] = self.value(item, (*path, key))
        return result

    def sequence(self, value: list[Any], path: YamlPath) -> list[Any]:
        # First lay the list out (spliced files take several places), then move positions.
        layout: list[tuple[int, Located | None]] = []  # (old index, spliced file or None)
        for index, item in enumerate(value):
            if isinstance(item, dict) and set(item) == {"include"}:
                names = item["include"] if isinstance(item["include"], list) else [item["include"]]
                where = (*path, index, "include")
                files = [
                    self.load(name, where if len(names) == 1 else (*where, i))
                    for i, name in enumerate(names)
                ]
                for file in files:
                    if file.data == {}:  # an empty file adds nothing
                        file.data = []
                if all(isinstance(file.data, list) for file in files):
                    layout += [(index, file) for file in files]
                    continue
            layout.append((index, None))
        if all(spliced is None for _, spliced in layout):
            return [self.value(item, (*path, index)) for index, item in enumerate(value)]
        old = {p: v for p, v in self.located.positions.items() if p[: len(path)] == path}
        for p in old:
            if len(p) > len(path):
                del self.located.positions[p]
        result: list[Any] = []
        for index, spliced in layout:
            if spliced is None:
                size = len(path) + 1
                for p, place in old.items():
                    if p[:size] == (*path, index):
                        self.located.positions[(*path, len(result), *p[size:])] = place
                result.append(self.value(value[index], (*path, len(result))))
                continue
            for offset, item in enumerate(spliced.data):
                self.transplant(spliced, (offset,), (*path, len(result)))
                result.append(item)
        return result

    def load(self, name: Any, path: YamlPath) -> Located:
        """The named file, read, parsed and with its own includes resolved."""
        if not isinstance(name, str) or not name.strip():
            raise self.located.error("include takes a file name or a list of file names", path)
        file = self.base / name
        identity = _identity(str(file))
        if identity in self.chain:
            raise self.located.error(f"{name!r} is already being included: an include cycle", path)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise self.located.error(f"included file {str(file)!r} does not exist", path) from None
        except OSError as exc:
            message = f"cannot read included file {str(file)!r}: {exc}"
            raise self.located.error(message, path) from None
        included = load_yaml(decode_source(data, str(file)), str(file))
        resolver = _Resolver(included, (*self.chain, identity))
        included.data = resolver.value(included.data, ())
        return included

    def transplant(
        self, included: Located, source: YamlPath, target: YamlPath, skip: set[Any] | None = None
    ) -> None:
        """Copy the positions of ``included`` under ``source`` to ``target`` in this file."""
        size = len(source)
        for p, place in included.positions.items():
            if p[:size] != source:
                continue
            rest = p[size:]
            if skip and rest and rest[0] in skip:
                continue  # the including mapping's own key wins
            if not rest and target in self.located.positions:
                continue
            self.located.positions[(*target, *rest)] = place


def _kind(data: Any) -> str:
    if isinstance(data, dict):
        return "mapping"
    return "list" if isinstance(data, list) else "single value"
