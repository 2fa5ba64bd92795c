"""Index shards one entry a line: the same JSON object for readers, one entry changed without touching the others."""

from __future__ import annotations

import json

from storage import shards


def test_a_shard_is_the_json_object_of_its_entries_one_entry_a_line() -> None:
    entries = {"c1": {"t": "Team 1", "n": "Zeile\nzwei"}, "c2": {"t": "Team 2"}}
    raw = shards.render(entries)
    assert json.loads(raw) == entries
    assert raw.split(b"\n")[1:-1] == [b'"c1":{"t":"Team 1","n":"Zeile\\nzwei"},', b'"c2":{"t":"Team 2"}']
    assert json.loads(shards.render({})) == {}


def test_put_replaces_adds_and_removes_one_entry_and_keeps_the_others_byte_for_byte() -> None:
    raw = shards.render({"c1": {"t": "Team 1"}, "c2": {"t": "Team 2"}, "c3": {"t": "Team 3"}})
    changed = shards.put(raw, "c2", {"t": "Team 9"})
    assert json.loads(changed) == {"c1": {"t": "Team 1"}, "c2": {"t": "Team 9"}, "c3": {"t": "Team 3"}}
    added = shards.put(changed, "c4", {"t": "Team 4"})
    assert json.loads(added) == {"c1": {"t": "Team 1"}, "c2": {"t": "Team 9"}, "c3": {"t": "Team 3"},
                                 "c4": {"t": "Team 4"}}  # fmt: skip
    removed = shards.put(shards.put(added, "c1", None), "c4", None)
    assert json.loads(removed) == {"c2": {"t": "Team 9"}, "c3": {"t": "Team 3"}}
    assert json.loads(shards.put(shards.put(removed, "c2", None), "c3", None)) == {}
    assert shards.put(None, "c1", {"t": "Team 1"}) == shards.render({"c1": {"t": "Team 1"}})


def test_put_of_an_unchanged_entry_or_the_removal_of_an_absent_one_changes_nothing() -> None:
    raw = shards.render({"c1": {"t": "Team 1", "p": [["2026-12-01", None, 0]]}})
    assert shards.put(raw, "c1", {"t": "Team 1", "p": [["2026-12-01", None, 0]]}) is None
    assert shards.put(raw, "c2", None) is None
    assert shards.put(None, "c2", None) is None


def test_a_key_is_found_by_its_whole_name_not_by_a_prefix() -> None:
    raw = shards.render({"c10": 1, "c1": 2, 'a":': 3})
    assert shards.get(raw, "c1") == 2
    assert shards.get(raw, 'a":') == 3
    assert json.loads(shards.put(raw, "c1", None)) == {"c10": 1, 'a":': 3}
    assert shards.get(raw, "c") is None


def test_a_shard_in_the_older_one_line_form_is_read_and_written_anew_one_entry_a_line() -> None:
    old = json.dumps({"c1": {"t": "Team 1"}, "c2": {"t": "Team 2"}}).encode()
    assert shards.get(old, "c2") == {"t": "Team 2"}
    assert shards.put(old, "c2", {"t": "Team 2"}) is None
    changed = shards.put(old, "c2", {"t": "Team 5"})
    assert changed == shards.render({"c1": {"t": "Team 1"}, "c2": {"t": "Team 5"}})
    assert shards.put(b"{}", "c1", None) is None
    assert shards.put(b"{}", "c1", 7) == shards.render({"c1": 7})
