"""Index shards of the TinyDB backend as one JSON object with one entry a line.

A shard (`index/summary-<ab>.json`, `clients-<ab>.json`, `kundennummer-<ab>.json`) maps keys to values. It is
written as

    {
    "key1":value1,
    "key2":value2
    }

which every reader parses as the plain JSON object it always was; a writer replaces, adds or removes one entry
by its line without parsing or serializing the others (compact JSON escapes line breaks inside strings, so a
line break only ever separates entries). A shard in the older one-line form is parsed once and written in this
form by its next change.
"""

from __future__ import annotations

import json
from typing import Any

from storage.atomic import dump_json

_OPEN, _CLOSE = b"{", b"}"


def render(entries: dict[str, Any]) -> bytes:
    """The shard text of `entries`, one entry a line."""
    return _join([dump_json(key) + b":" + dump_json(value) for key, value in entries.items()])


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join([_OPEN, b",\n".join(lines), _CLOSE]) if lines else _OPEN + b"\n" + _CLOSE


def _lines(raw: bytes | None) -> list[bytes] | None:
    """The entry lines (`"key":value`, without the separating comma) of a shard's text; None for the older form."""
    if not raw:
        return []
    parts = raw.split(b"\n")
    if len(parts) < 2 or parts[0] != _OPEN or parts[-1] != _CLOSE:
        return None
    return [line[:-1] if line.endswith(b",") else line for line in parts[1:-1] if line]


def _find(lines: list[bytes], key: str) -> tuple[int, bytes]:
    """(index of the key's line or -1, the line's prefix `"key":`)."""
    prefix = dump_json(key) + b":"
    for number, line in enumerate(lines):
        if line.startswith(prefix):
            return number, prefix
    return -1, prefix


def get(raw: bytes | None, key: str) -> Any:
    """The value of `key` in the shard text `raw` (None if absent); parses only that entry."""
    lines = _lines(raw)
    if lines is None:
        return json.loads(raw).get(key)  # type: ignore[arg-type]
    number, prefix = _find(lines, key)
    return None if number == -1 else json.loads(lines[number][len(prefix) :])


def put(raw: bytes | None, key: str, value: Any) -> bytes | None:
    """The shard text `raw` with `key` set to `value` (None: removed); None if that changes nothing.

    "Nothing" is judged on the serialized value, so an unchanged entry never rewrites its shard.
    """
    lines = _lines(raw)
    if lines is None:  # the older one-line form: parsed, and written anew one entry a line if the entry changes
        entries = json.loads(raw)  # type: ignore[arg-type]
        if dump_json(entries.get(key)) == dump_json(value):
            return None
        if value is None:
            del entries[key]
        else:
            entries[key] = value
        return render(entries)
    number, prefix = _find(lines, key)
    if value is None:
        if number == -1:
            return None
        del lines[number]
    else:
        line = prefix + dump_json(value)
        if number == -1:
            lines.append(line)
        elif lines[number] == line:
            return None
        else:
            lines[number] = line
    return _join(lines)
