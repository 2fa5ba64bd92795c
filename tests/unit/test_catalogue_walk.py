"""The one walk over the catalogue (schemas/catalogue/walk.py): every list of entries in the model has its row in
KINDS, and the walk reads a file's raw data and the validated model alike."""

from __future__ import annotations

import types
import typing

import yaml
from pydantic import BaseModel

from schemas.catalogue import KINDS, SHIPPED_CATALOGUE, Catalogue, load_catalogue, walk
from schemas.catalogue.walk import Kind
from services import catalogue_editor as editor

#: Lists of models with an id that are deliberately no kind of the walk, with the reason.
NOT_WALKED = {
    ("beispiele",): "sample profilings: their ids are unique among the samples only (rules.py checks them)",
    ("abmeldegruende", "optionen"): "Abmeldegründe: report keys with their own list, no form offers them",
}


def _model_of(annotation: typing.Any) -> type[BaseModel] | None:
    """The model a field holds (also as `X | None`), or None."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        found = [m for a in typing.get_args(annotation) if (m := _model_of(a))]
        return found[0] if found else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _entry_lists(model: type[BaseModel], path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The path of every list of models with an `id` in the catalogue model, e.g. ("uebergreifend",
    "handlungsstrategien")."""
    found: set[tuple[str, ...]] = set()
    for name, field in model.model_fields.items():
        if typing.get_origin(field.annotation) is list:
            item = _model_of(typing.get_args(field.annotation)[0])
            if item is not None and "id" in item.model_fields:
                found.add((*path, name))
                found |= _entry_lists(item, (*path, name))
        elif (inner := _model_of(field.annotation)) is not None:
            found |= _entry_lists(inner, (*path, name))
    return found


def _path(kind: Kind) -> tuple[str, ...]:
    if kind.unter is not None:
        return (*_path(kind.unter), kind.liste)
    return (kind.block, kind.liste) if kind.block else (kind.liste,)


def test_every_list_of_entries_in_the_catalogue_model_is_a_kind_of_the_walk():
    model_lists = _entry_lists(Catalogue)
    assert ("handlungsfelder", "handlungsbedarfe", "handlungsstrategien") in model_lists  # the scan sees the tree

    assert model_lists - set(NOT_WALKED) == {_path(kind) for kind in KINDS}


def test_the_walk_reads_the_file_and_the_model_alike():
    data = yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    catalogue = load_catalogue(SHIPPED_CATALOGUE)

    raw = [(p.entry["id"], p.kind, p.loc, p.liste, p.eltern, p.pfad, p.geschwister) for p in walk(data)]
    model = [(p.entry.id, p.kind, p.loc, p.liste, p.eltern, p.pfad, p.geschwister) for p in walk(catalogue)]

    assert raw == model
    assert len(raw) > 60
    assert ("handlungsstrategien", 0) == raw[2][2][-2:]  # a Handlungsfeld, its first Bedarf, that Bedarf's first strategy


def test_the_editor_offers_the_groups_of_the_table_of_kinds():
    assert editor.GROUPS == {"handlungsfelder": "Handlungsfeld", **{k.block: k.art for k in KINDS if k.block and k.im_baum}}
    assert set(editor.GROUP_LISTS) == set(editor.GROUPS) - {"handlungsfelder"}
