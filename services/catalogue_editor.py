"""Catalogue editing by trainers: one shared draft, checked, previewed, compared and published as a new version.

Decisions (also in README, section "Catalogue"):

- One draft per installation, stored in the store (who and when, a revision against lost edits). Every edit
  (add, rename, reorder, retire, edit the YAML text, import a file) is saved to it at once; the draft may be
  invalid meanwhile — it is checked with the same German messages as `vierphasen catalogue check`.
  Tree edits rewrite the YAML, so comments of the file are replaced by one fixed header.
- Entries are addressed by their ids. A rename changes the label only; entries that already stand in a
  published version cannot be deleted, only retired (`ausgesondert`), so no stored record loses its entry.
- Publishing needs a valid draft, a note, and every sample profiling (`beispiele` in the catalogue) still valid
  and accepted by the forms generated from the draft. The draft is deleted once its version is published.
- Open profilings made with an older version continue on their version (they render and save with it);
  `clone_profiling` moves a profiling to the newest version. Closed ones always render with their own version.
  The impact check shows, before publishing, how many open profilings use each renamed, moved, retired or
  removed entry, so nobody retires an option that open work depends on without seeing it. Counting reads every
  open profiling, so it runs once per draft revision and newest version (not on every rerun of the page), and
  only when the draft changes an entry that profilings can use.
"""

from __future__ import annotations

import io
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import yaml
from cachetools import TTLCache, cached
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import CommentToken

from errors import CatalogueInvalid, InvalidInput, NotFound, StaleRevision
from schemas.catalogue import (
    GROUP_KINDS,
    Aenderung,
    Catalogue,
    decode_catalogue,
    diff_catalogues,
    entry_places,
    label_warnings,
    parse_catalogue,
)
from schemas.catalogue.walk import FELD, HINWEIS, Stelle, items, walk
from schemas.forms import (
    ProfilingModels,
    generate_models,
)
from schemas.records import CatalogueDraft, CatalogueVersion, Profiling, User, utcnow
from schemas.text import has_visible, nfc, refuse_unprintable, required_text
from services.access import Permission, require
from services.catalogue import (
    dropped_entry_problems,
    get_catalogue,
    latest_version,
    publish_catalogue,
    published_versions,
    publishing_problems,
)
from storage.base import Store

DRAFT_SOURCE = "Entwurf"


#: Lists of entries the editor can add to that are not below another entry, with their German names, and the key
#: of the list in each group (both from the catalogue's table of kinds, schemas/catalogue/walk.py).
GROUPS: dict[str, str] = {FELD.liste: FELD.art, **{group: kind.art for group, kind in GROUP_KINDS.items()}}
GROUP_LISTS: dict[str, str] = {group: kind.liste for group, kind in GROUP_KINDS.items()}

#: Changes whose entries open profilings may use: the impact check counts them.
IMPACT_KINDS = ("umbenannt", "ausgesondert", "entfernt", "verschoben")
_PROFILING_KINDS = {"Handlungsfeld", "Handlungsbedarf", "Handlungsstrategie", "Übergreifende Strategie",
                    "Integrationsprognose", "Profillage"}


# --- results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Auswirkung:
    """One change of the draft and how many open profilings use its entry (None: not a profiling entry)."""

    aenderung: Aenderung
    offene_profilings: int | None


@dataclass
class DraftCheck:
    """Everything the catalogue page shows about the draft before publishing."""

    draft: CatalogueDraft
    newest: int  # the newest published version the draft is compared with
    catalogue: Catalogue | None  # None while the draft is invalid
    problems: list[str] = field(default_factory=list)  # the messages of `vierphasen catalogue check`
    form_problems: list[str] = field(default_factory=list)  # forms that would break, samples they do not accept
    warnings: list[str] = field(default_factory=list)  # allowed, but worth a look (labels alike but for case)
    auswirkungen: list[Auswirkung] = field(default_factory=list)
    gezaehlt_am: datetime | None = None  # when the open profilings were counted (None: no change needed it)

    @property
    def publishable(self) -> bool:
        return self.catalogue is not None and not self.problems and not self.form_problems


# --- reading -----------------------------------------------------------------------------------------------


def current_draft(store: Store, *, actor: User) -> CatalogueDraft | None:
    """The shared draft, or None if nobody has started one. Raises NotPermitted."""
    require(store, actor, Permission.VIEW_CATALOGUE)
    return store.catalogue_draft()


def draft_data(draft: CatalogueDraft) -> dict[str, Any] | None:
    """The draft's YAML as plain data for the tree, or None while its YAML syntax is broken."""
    return draft_data_of(draft.text)


def check_draft(store: Store, *, actor: User) -> DraftCheck:
    """Validate the draft, check the sample profilings, and list its changes against the newest version with
    the number of open profilings using each changed entry. Raises NotPermitted, NotFound (no draft)."""
    require(store, actor, Permission.VIEW_CATALOGUE)
    draft = _draft(store)
    newest = latest_version(store)
    check = DraftCheck(draft=draft, newest=newest, catalogue=None,
                       warnings=label_warnings(draft.text, source=DRAFT_SOURCE))
    try:
        check.catalogue = parse_catalogue(draft.text, source=DRAFT_SOURCE)
    except CatalogueInvalid as exc:
        check.problems = list(exc.problems)
        return check
    check.form_problems = publishing_problems(check.catalogue, draft.text, source=DRAFT_SOURCE) + \
        dropped_entry_problems(published_versions(store), check.catalogue, draft.text, source=DRAFT_SOURCE)
    before = get_catalogue(store, newest)
    check.auswirkungen, counted, when = _impact_of(store, newest, draft, before, check.catalogue)
    check.gezaehlt_am = when if counted else None
    return check


#: Impact results (see the module docstring), keyed by (store identity, newest version, draft revision, draft
#: saved at): saving the draft or publishing a version makes a new key. Bounded (the 16 newest keys) and timed:
#: a count older than IMPACT_TTL seconds is made again, so profilings opened or closed meanwhile show up.
IMPACT_TTL = 600.0
_impact_cache: TTLCache = TTLCache(maxsize=16, ttl=IMPACT_TTL)


@cached(_impact_cache, lock=threading.Lock(),
        key=lambda store, newest, draft, before, catalogue: (id(store), newest, draft.revision, draft.saved_at))
def _impact_of(store: Store, newest: int, draft: CatalogueDraft, before: Catalogue,
               catalogue: Catalogue) -> tuple[list[Auswirkung], bool, datetime]:
    """(impact on open profilings, whether profilings were counted, when) of `draft` against version `newest`."""
    return *impact(store, before, diff_catalogues(before, catalogue)), utcnow()


def compare_versions(store: Store, old: int | str, new: int | str, *, actor: User) -> list[Aenderung]:
    """The German difference between two published versions, keyed by ids.
    Raises NotPermitted, InvalidInput (not a version number), NotFound."""
    require(store, actor, Permission.VIEW_CATALOGUE)
    return diff_catalogues(get_catalogue(store, _number(old)), get_catalogue(store, _number(new)))


def _number(value: int | str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if isinstance(value, bool) or number < 1:
        raise InvalidInput(f"„{value}“ ist keine Versionsnummer. Bitte eine ganze Zahl ab 1 angeben.", field="version")
    return number


def impact(store: Store, before: Catalogue, changes: list[Aenderung]) -> tuple[list[Auswirkung], bool]:
    """Each change with the number of open profilings that use its entry (renamed, moved, retired, removed), and
    whether open profilings had to be read (only if a change concerns an entry that profilings use)."""
    places = entry_places(before)
    counted = {change.entry_id for change in changes
               if change.art in IMPACT_KINDS and (place := places.get(change.entry_id or "")) is not None
               and place.art in _PROFILING_KINDS}
    uses: Counter[str] = Counter()
    if counted:
        for profiling in store.open_profilings():
            uses.update(used_ids(profiling, before) & counted)
    result = [Auswirkung(change, uses[change.entry_id] if change.entry_id in counted and change.art in IMPACT_KINDS
                         else None) for change in changes]
    return result, bool(counted)


def published_ids(store: Store) -> frozenset[str]:
    """The ids of every entry that stands in a published version: these are retired, never deleted."""
    return frozenset(i for number in store.catalogue_numbers() for i in entry_places(get_catalogue(store, number)))


def used_ids(profiling: Profiling, catalogue: Catalogue) -> set[str]:
    """The catalogue ids a profiling depends on: relevant Bedarfe (and their Handlungsfeld), chosen strategies,
    übergreifende strategies, Integrationsprognose and Profillage."""
    relevant = {bid for bid, entry in profiling.handlungsbedarfe.items() if entry.relevant}
    used = set(relevant)
    used |= {feld.id for feld in catalogue.handlungsfelder if any(b.id in relevant for b in feld.handlungsbedarfe)}
    used |= {sid for bid, chosen in profiling.strategien.items() if bid in relevant for sid in chosen}
    used |= set(profiling.uebergreifend)
    used |= {i for i in (profiling.integrationsprognose, profiling.profillage) if i}
    return used


def preview_models(catalogue: Catalogue) -> ProfilingModels:
    """The form models caseworkers would get from a draft catalogue (no retired entry kept), cached per text."""
    return _preview_models(catalogue.model_dump_json())


# Keyed by the catalogue's JSON, of which the models are a pure function: never stale, so only bounded (the 16
# most recently used), not timed.
@lru_cache(maxsize=16)
def _preview_models(dumped: str) -> ProfilingModels:
    return generate_models(Catalogue.model_validate_json(dumped))


def problems_at_entries(text: str, problems: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Sort messages to the entries they are about: (by entry id, the rest).

    A message with a line ("Entwurf, Zeile 12: …") goes to the innermost entry with an id around that line (the
    rest if that line belongs to no entry); one without a line to the first entry it names.
    """
    if not problems:
        return {}, []
    owners = _line_owners(text)
    tokens: list[tuple[str, str]] = []  # (text as quoted in messages, entry key)
    for entry in _raw_entries(draft_data_of(text)):
        key = str(entry.get("id"))
        tokens += [(f"„{key}“", key), (f"({key})", key)]
        if isinstance(entry.get("label"), str) and entry["label"]:
            tokens.append((f"„{entry['label']}“", key))
    at: dict[str, list[str]] = {}
    rest: list[str] = []
    for problem in problems:
        line = _LINE.match(problem)
        if line and int(line.group(1)) in owners:
            key = owners[int(line.group(1))]
        else:
            named = [(position, key) for token, key in tokens if (position := problem.find(token)) >= 0]
            key = min(named)[1] if named else None
        if key is None:
            rest.append(problem)
        else:
            at.setdefault(key, []).append(problem)
    return at, rest


_LINE = re.compile(r"^[^\n]*?, Zeile (\d+): ")


def _line_owners(text: str) -> dict[int, str | None]:
    """Line → id of the innermost entry that line belongs to (None: no entry); empty if the YAML is broken."""
    try:
        root = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return {}
    owners: dict[int, str | None] = {}

    def walk(node: yaml.Node, owner: str | None) -> None:
        owners[node.start_mark.line + 1] = owner
        if isinstance(node, yaml.MappingNode):
            owner = next((v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)),
                         owner)
            owners[node.start_mark.line + 1] = owner
            for key, value in node.value:
                owners[key.start_mark.line + 1] = owner
                walk(value, owner)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, owner)

    if root is not None:
        walk(root, None)
    return owners


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def draft_data_of(text: str) -> dict[str, Any] | None:
    """Catalogue YAML text as plain data, or None while its syntax is broken."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


# --- changing the draft ------------------------------------------------------------------------------------


def start_draft(store: Store, *, actor: User, from_version: int | str | None = None) -> CatalogueDraft:
    """Start the shared draft from a published version (default: newest). Raises NotPermitted, NotFound,
    InvalidInput if a draft exists already (it is continued or discarded first) or `from_version` is no number."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    existing = store.catalogue_draft()
    if existing is not None:
        raise InvalidInput(f"Es gibt schon einen Entwurf (zuletzt gespeichert von {existing.saved_by}). "
                           "Bitte setzen Sie ihn fort oder verwerfen Sie ihn zuerst.")
    number = _number(from_version) if from_version is not None else latest_version(store)
    version = store.catalogue_version(number)
    return store.save_catalogue_draft(version.text, base_version=number, revision=0, actor=actor)


def discard_draft(store: Store, *, actor: User) -> None:
    """Throw the shared draft away; published versions are untouched. Raises NotPermitted."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    store.discard_catalogue_draft()


def save_draft_text(store: Store, text: str, *, revision: int, actor: User) -> CatalogueDraft:
    """Replace the draft's YAML with edited text (kept even if invalid, so it can be fixed).
    Raises NotPermitted, NotFound, StaleRevision, InvalidInput (empty or too long)."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft = _draft(store)
    return store.save_catalogue_draft(_checked_text(text), base_version=draft.base_version, revision=revision,
                                      actor=actor)


def import_draft(store: Store, content: bytes, *, filename: str, revision: int | None, actor: User) -> CatalogueDraft:
    """Make an uploaded YAML file the draft (replacing the current one, whose `revision` the trainer saw; None if
    there is none). It is kept even if invalid, and checked like any draft.
    Raises NotPermitted, InvalidInput (not UTF-8 text, empty, too long), StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    # the uploaded file's name is the trainer's input: quoted (without quote marks of its own), so it reads as a name
    source = "„" + str(filename).replace("“", "").replace("„", "") + "“"
    try:
        text = decode_catalogue(content, source)
    except CatalogueInvalid as exc:
        raise InvalidInput(exc.problems[0]) from exc
    existing = store.catalogue_draft()
    current = existing.revision if existing else 0
    if revision is not None and revision != current or revision is None and existing is not None:
        raise StaleRevision("Der Entwurf wurde inzwischen geändert. Bitte laden Sie die Seite neu und "
                            "importieren Sie die Datei erneut.")
    return store.save_catalogue_draft(_checked_text(text, source), base_version=latest_version(store),
                                      revision=current, actor=actor)


def add_entry(store: Store, *, parent: str, label: str, revision: int, actor: User,
              first_strategy: str = "") -> CatalogueDraft:
    """Add an entry with `label` (its id is made from the label, unique in the catalogue).

    `parent` is a group of GROUPS, or the id of a Handlungsfeld (adds a Handlungsbedarf, with `first_strategy`
    as its first Handlungsstrategie if given) or of a Handlungsbedarf (adds a Handlungsstrategie).
    Raises NotPermitted, NotFound, InvalidInput (empty label, unknown parent, unreadable draft), StaleRevision.
    """
    require(store, actor, Permission.EDIT_CATALOGUE)
    label = _label(label)
    draft, data = _editable(store)
    ids = _all_ids(data)
    entry: dict[str, Any] = {"id": _new_id(label, ids), "label": label}
    if parent == "handlungsfelder":
        entry["handlungsbedarfe"] = []
        _append(_list(data, "handlungsfelder"), entry)
    elif parent in GROUP_LISTS:
        group = data.get(parent)
        if not isinstance(group, dict):
            raise InvalidInput(f"Der Abschnitt „{parent}“ fehlt im Entwurf; bitte im YAML-Text ergänzen.")
        _append(_list(group, GROUP_LISTS[parent]), entry)
    else:
        found = _find(data, parent)
        if found is None:
            raise InvalidInput(f"Den Eintrag „{parent}“ gibt es im Entwurf nicht.")
        siblings, index, liste = found
        owner = siblings[index]
        if liste == "handlungsfelder":
            if first_strategy.strip():
                strategy_label = _label(first_strategy)
                entry["handlungsstrategien"] = [
                    {"id": _new_id(strategy_label, ids | {entry["id"]}), "label": strategy_label}]
            else:
                entry["handlungsstrategien"] = []
            _append(_list(owner, "handlungsbedarfe"), entry)
        elif liste.startswith("handlungsbedarfe"):
            _append(_list(owner, "handlungsstrategien"), entry)
        else:
            raise InvalidInput(f"Unter „{owner.get('label', parent)}“ können keine Einträge angelegt werden.")
    return _save(store, draft, data, revision, actor)


def rename_entry(store: Store, entry_id: str, label: str, *, revision: int, actor: User) -> CatalogueDraft:
    """Change an entry's label; its id stays, so no stored record is orphaned.
    Raises NotPermitted, NotFound, InvalidInput, StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    label = _label(label)
    draft, data = _editable(store)
    siblings, index, _ = _found(data, entry_id)
    siblings[index]["label"] = label
    return _save(store, draft, data, revision, actor)


def move_entry(store: Store, entry_id: str, step: int, *, revision: int, actor: User) -> CatalogueDraft:
    """Move an entry up (step -1) or down (+1) among its siblings; the forms show this order.
    Raises NotPermitted, NotFound, InvalidInput (already first / last), StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft, data = _editable(store)
    siblings, index, _ = _found(data, entry_id)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(siblings):
        raise InvalidInput("Der Eintrag steht schon an dieser Stelle.")
    siblings[index], siblings[target] = siblings[target], siblings[index]
    return _save(store, draft, data, revision, actor)


def retire_entry(store: Store, entry_id: str, *, retired: bool = True, revision: int, actor: User) -> CatalogueDraft:
    """Retire an entry (not offered for new records, still shown in old ones) or take it back into use.
    Raises NotPermitted, NotFound, InvalidInput, StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft, data = _editable(store)
    siblings, index, _ = _found(data, entry_id)
    if retired:
        siblings[index]["ausgesondert"] = True
    else:
        siblings[index].pop("ausgesondert", None)
    return _save(store, draft, data, revision, actor)


def remove_entry(store: Store, entry_id: str, *, revision: int, actor: User) -> CatalogueDraft:
    """Delete an entry that is new in the draft. An entry of a published version is only retired, never deleted,
    because stored records refer to it. Raises NotPermitted, NotFound, InvalidInput, StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft, data = _editable(store)
    siblings, index, _ = _found(data, entry_id)
    if entry_id in published_ids(store):
        raise InvalidInput(f"„{siblings[index].get('label', entry_id)}“ steht schon in einer veröffentlichten "
                           "Version. Veröffentlichte Einträge werden ausgesondert, nicht gelöscht.")
    del siblings[index]
    return _save(store, draft, data, revision, actor)


def edit_agreement(store: Store, *, kurzname: str, titel: str, rechtsgrundlage: str, revision: int,
                   actor: User) -> CatalogueDraft:
    """Set the agreement document's short name, title and legal reference (e.g. Kooperationsplan, § 15 SGB II).
    Raises NotPermitted, NotFound, InvalidInput, StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft, data = _editable(store)
    block = data.get("vereinbarung")
    if not isinstance(block, dict):
        raise InvalidInput("Der Abschnitt „vereinbarung“ fehlt im Entwurf; bitte im YAML-Text ergänzen.")
    block.update(kurzname=_label(kurzname), titel=_label(titel), rechtsgrundlage=_label(rechtsgrundlage))
    return _save(store, draft, data, revision, actor)


def edit_hint(store: Store, hint_id: str, text: str, *, revision: int, actor: User) -> CatalogueDraft:
    """Change the text of a rule hint (its conditions are edited in the YAML text).
    Raises NotPermitted, NotFound, InvalidInput, StaleRevision."""
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft, data = _editable(store)
    hints = data.get("hinweise") if isinstance(data.get("hinweise"), list) else []
    hint = next((h for h in hints if isinstance(h, dict) and h.get("id") == hint_id), None)
    if hint is None:
        raise InvalidInput(f"Den Hinweis „{hint_id}“ gibt es im Entwurf nicht.")
    hint["text"] = refuse_unprintable(
        required_text(text, field="text", message="Der Hinweistext darf nicht leer sein."), field="text")
    return _save(store, draft, data, revision, actor)


def publish_draft(store: Store, *, note: str, revision: int, actor: User) -> CatalogueVersion:
    """Publish the draft the trainer checked (`revision`) as the next version with a note; the draft is removed.

    Raises NotPermitted, NotFound (no draft), StaleRevision (changed after the check), CatalogueInvalid
    (invalid draft, a sample that no longer fits, or an empty note).
    """
    require(store, actor, Permission.EDIT_CATALOGUE)
    draft = _draft(store)
    if draft.revision != revision:
        raise StaleRevision(f"Der Entwurf wurde inzwischen von {draft.saved_by} geändert. Bitte prüfen Sie ihn "
                            "erneut, bevor Sie veröffentlichen.")
    version = publish_catalogue(store, draft.text, note=note, actor=actor)
    store.discard_catalogue_draft()
    return version


# --- helpers -----------------------------------------------------------------------------------------------

_MAX_TEXT = 500_000


def _draft(store: Store) -> CatalogueDraft:
    draft = store.catalogue_draft()
    if draft is None:
        raise NotFound("Es gibt keinen Katalogentwurf. Bitte beginnen Sie einen neuen Entwurf.")
    return draft


def _checked_text(text: str, source: str = DRAFT_SOURCE) -> str:
    if not text.strip():
        raise InvalidInput(f"{source}: Die Datei ist leer.")
    if len(text) > _MAX_TEXT:
        raise InvalidInput(f"{source}: Die Datei ist zu groß (höchstens 500.000 Zeichen).")
    return text


def _editable(store: Store) -> tuple[CatalogueDraft, dict[str, Any]]:
    """The draft and its data as a round-trip tree: a tree edit changes the entries it concerns, and the
    trainers' comments, order, quoting and layout of everything else stay as they wrote them."""
    draft = _draft(store)
    data = draft_data(draft)
    if data is None:
        raise InvalidInput("Der Entwurf ist kein lesbares YAML. Bitte korrigieren Sie zuerst den YAML-Text "
                           "(die Meldungen stehen oben).")
    try:
        tree = _round_trip().load(draft.text)
    except YAMLError:  # what PyYAML reads, ruamel.yaml reads too; this is a safety net
        tree = data
    return draft, tree if isinstance(tree, dict) else data


def _save(store: Store, draft: CatalogueDraft, data: dict[str, Any], revision: int, actor: User) -> CatalogueDraft:
    out = io.StringIO()
    _round_trip().dump(data, out)
    return store.save_catalogue_draft(out.getvalue(), base_version=draft.base_version, revision=revision,
                                      actor=actor)


def _append(siblings: list[Any], entry: dict[str, Any]) -> None:
    """Append `entry` to a list of the round-trip tree. Full-line comments after the list's last entry stand
    before whatever follows the list (a trainer's note on the next entry): they move behind the new entry, so
    that they stay where they were written; an inline comment stays on its line."""
    new = _commented(entry)
    holder = _last_value(siblings[-1]) if siblings else None
    target = _last_value(new)
    if holder is not None and target is not None:
        owner, key = holder
        token = owner.ca.items.get(key, [None, None, None, None])[2]
        if isinstance(token, CommentToken) and "\n" in token.value.rstrip("\n"):
            inline, rest = token.value.split("\n", 1)
            token.value = inline + "\n" if inline.strip() else "\n"
            target[0].ca.items[target[1]] = [None, None, CommentToken("\n" + rest, token.start_mark, None), None]
    siblings.append(new)


def _commented(value: Any) -> Any:
    """Plain data as round-trip nodes (which can carry comments)."""
    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    return value


def _last_value(node: Any) -> tuple[CommentedMap, Any] | None:
    """The mapping and key of the last scalar written in `node` (where a comment after it is kept)."""
    while isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        value = node[key]
        if isinstance(value, CommentedSeq) and value and isinstance(value[-1], CommentedMap):
            node = value[-1]
        elif isinstance(value, CommentedMap) and value:
            node = value
        else:
            return node, key
    return None


def _round_trip() -> YAML:
    """A round-trip YAML reader/writer laid out like the shipped catalogue (one per call: not thread-safe)."""
    rt = YAML()
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.width = 4096  # never re-wrap a line the trainers wrote
    rt.preserve_quotes = True
    rt.allow_duplicate_keys = True  # reported by the check with both lines, not refused here
    return rt


def _label(label: str) -> str:
    label = " ".join(nfc(str(label)).split())
    if not has_visible(label):
        raise InvalidInput("Bitte geben Sie eine Bezeichnung ein.", field="label")
    if len(label) > 200:
        raise InvalidInput("Die Bezeichnung ist zu lang (höchstens 200 Zeichen).", field="label")
    return refuse_unprintable(label, field="label")


_UMLAUTE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _new_id(label: str, taken: set[str]) -> str:
    """A readable id from the label (lower case, digits, _), unique among `taken`."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower().translate(_UMLAUTE)).strip("_")[:50] or "eintrag"
    if not base[0].isalpha():
        base = f"e_{base}"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    return candidate


def _list(owner: dict[str, Any], key: str) -> list[Any]:
    if not isinstance(owner.get(key), list):
        owner[key] = []
    return owner[key]


def _tree(data: dict[str, Any] | None) -> list[Stelle]:
    """Every entry of the editor's tree in the raw draft (tolerant of broken data), with the list it stands in."""
    return [place for place in walk(data) if place.kind.im_baum] if isinstance(data, dict) else []


def _raw_entries(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The entries of the tree, the hints and the samples that have an id (ids are unique across them)."""
    if not isinstance(data, dict):
        return []
    places = [place.entry for place in walk(data) if place.kind.im_baum or place.kind is HINWEIS]
    return [e for e in places + [e for _, e in items(data, "beispiele")] if e.get("id")]


def _all_ids(data: dict[str, Any]) -> set[str]:
    return {str(e["id"]) for e in _raw_entries(data)}


def _find(data: dict[str, Any], entry_id: str) -> tuple[list[Any], int, str] | None:
    place = next((place for place in _tree(data) if place.entry.get("id") == entry_id), None)
    return (place.entries, place.index, place.liste) if place else None


def _found(data: dict[str, Any], entry_id: str) -> tuple[list[Any], int, str]:
    found = _find(data, entry_id)
    if found is None:
        raise InvalidInput(f"Den Eintrag „{entry_id}“ gibt es im Entwurf nicht.")
    return found
