"""Katalog: trainers edit a shared draft, check and preview it, and publish it; every published version stays."""

from __future__ import annotations

from collections import Counter
from typing import Any

import streamlit as st

from dates import format_datetime
from errors import DomainError
from pages.forms import model_input
from pages.session import get_store, require_user, run_page
from schemas.catalogue import Catalogue, Entry
from schemas.forms import strategien_model
from schemas.records import CatalogueDraft
from services import catalogue_editor as editor
from services.access import Permission, allowed
from services.catalogue import get_catalogue, get_models, list_versions
from services.safety import markdown_literal

_MESSAGE = "katalog-meldung"  # the last action's outcome: (kind, text, key of its button)

# --- actions: run as button callbacks, before the page renders again, so the page shows the new draft -------


def _act(key: str, success, use_case, *args: Any, **kwargs: Any) -> None:
    """Run an editor use case for the signed-in trainer and keep its outcome for the next run."""
    kwargs = dict(kwargs)
    values = {name: st.session_state.get(k) or "" for name, k in kwargs.pop("inputs", {}).items()}
    try:
        result = use_case(get_store(), *args, **kwargs, **values, actor=st.session_state["user"])
    except DomainError as err:
        st.session_state[_MESSAGE] = ("error", markdown_literal(err.message), key)
    else:
        st.session_state[_MESSAGE] = ("success", markdown_literal(success(result) if callable(success) else success), key)


def _button(label: str, key: str, success, use_case, *args: Any, help: str | None = None,
            disabled: bool = False, primary: bool = False, error_here: bool = True, **kwargs: Any) -> None:
    """A button running `use_case`; its error shows below it (`error_here`) or where `_error_for(key)` is called."""
    st.button(label, key=key, help=help, disabled=disabled, type="primary" if primary else "secondary", on_click=_act,
              args=(key, success, use_case, *args), kwargs=kwargs)
    if error_here:
        _error_for(key)


def _error_for(*keys: str) -> None:
    """Show the last action's error here if one of these buttons caused it, so it stands where the trainer is."""
    kind, text, key = st.session_state.get(_MESSAGE, (None, None, None))
    if kind == "error" and key in keys:
        del st.session_state[_MESSAGE]
        st.error(text)


def _show_message(slot) -> None:
    """On top of the page: a success, or an error whose button this run did not draw (e.g. the draft is gone)."""
    kind, text, _ = st.session_state.pop(_MESSAGE, (None, None, None))
    if kind == "error":
        slot.error(text)
    elif kind == "success":
        slot.success(text)


# --- the draft's tree ------------------------------------------------------------------------------------


def _problems(at: dict[str, list[str]], entry_id: str) -> None:
    for problem in at.get(entry_id, []):
        st.error(markdown_literal(problem))


def _entry_row(entry: dict[str, Any], draft: CatalogueDraft, at: dict[str, list[str]], indent: int,
               slot: str, published: frozenset[str]) -> None:
    """One entry with its actions; `slot` keys the widgets where an invalid draft repeats an id. Entries of a
    published version are retired, never deleted: they are offered „Aussondern“ only."""
    entry_id = str(entry.get("id"))
    wid = entry_id if slot == entry_id else f"{entry_id}-{slot}"
    label = str(entry.get("label") or "(ohne Bezeichnung)")
    retired = bool(entry.get("ausgesondert"))
    rev = draft.revision
    _, text, up, down, change = st.columns([indent or 0.01, 12 - indent, 1, 1, 3], vertical_alignment="center")
    with text:
        shown = f"~~{markdown_literal(label)}~~ *(ausgesondert)*" if retired else markdown_literal(label)
        st.markdown(f"{shown} · `{entry_id}`")
    with up:
        _button("↑", f"up-{wid}", f"„{label}“ nach oben verschoben.", editor.move_entry, entry_id, -1,
                revision=rev, help="nach oben", error_here=False)
    with down:
        _button("↓", f"down-{wid}", f"„{label}“ nach unten verschoben.", editor.move_entry, entry_id, 1,
                revision=rev, help="nach unten", error_here=False)
    with change, st.popover("Ändern", use_container_width=True):
        st.text_input("Neue Bezeichnung", value=label, key=f"label-{wid}-{rev}")
        st.caption(f"Die id `{entry_id}` bleibt; gespeicherte Profilings verweisen nur auf sie.")
        _button("Umbenennen", f"rename-{wid}", "Bezeichnung geändert.", editor.rename_entry,
                entry_id, revision=rev, inputs={"label": f"label-{wid}-{rev}"}, error_here=False)
        if retired:
            _button("Wieder aufnehmen", f"retire-{wid}", f"„{label}“ wieder aufgenommen.",
                    editor.retire_entry, entry_id, retired=False, revision=rev, error_here=False)
        else:
            st.caption("Aussondern: nicht mehr für neue Profilings angeboten; gespeicherte zeigen den Eintrag weiter.")
            _button("Aussondern", f"retire-{wid}", f"„{label}“ ausgesondert.", editor.retire_entry, entry_id,
                    revision=rev, error_here=False)
        if entry_id not in published:
            _button("Löschen", f"remove-{wid}", f"„{label}“ gelöscht.", editor.remove_entry, entry_id,
                    revision=rev, help="Der Eintrag steht noch in keiner veröffentlichten Version.", error_here=False)
    # below the row: an error inside the narrow arrow columns or the popover would be squeezed or hidden
    _error_for(*(f"{action}-{wid}" for action in ("up", "down", "rename", "retire", "remove")))
    _problems(at, entry_id)


def _add_form(parent: str, what: str, where: str, draft: CatalogueDraft, *, with_strategy: bool = False) -> None:
    key = f"neu-{parent}-{draft.revision}"
    with st.expander(f"{what} hinzufügen ({markdown_literal(where)})", icon=":material/add:"):
        st.text_input(f"Bezeichnung {what}", key=key)
        inputs = {"label": key}
        if with_strategy:
            st.text_input("Erste Handlungsstrategie", key=f"{key}-strategie",
                          help="Jeder Handlungsbedarf braucht mindestens eine Handlungsstrategie.")
            inputs["first_strategy"] = f"{key}-strategie"
        _button("Hinzufügen", f"add-{parent}", f"{what} hinzugefügt.", editor.add_entry, parent=parent,
                revision=draft.revision, inputs=inputs)


def _list(data: dict[str, Any], *path: str) -> list[dict[str, Any]]:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return [e for e in node if isinstance(e, dict)] if isinstance(node, list) else []


def _ids(data: dict[str, Any]) -> Counter[str]:
    """How often each id occurs in the draft (an invalid draft may repeat one; widget keys must not)."""
    found: Counter[str] = Counter()
    for feld in _list(data, "handlungsfelder"):
        found[str(feld.get("id"))] += 1
        for bedarf in _list(feld, "handlungsbedarfe"):
            found[str(bedarf.get("id"))] += 1
            found.update(str(s.get("id")) for s in _list(bedarf, "handlungsstrategien"))
    for group, key in editor.GROUP_LISTS.items():
        found.update(str(e.get("id")) for e in _list(data, group, key))
    return found


def _slot(entry: dict[str, Any], counts: Counter[str], position: str) -> str:
    entry_id = str(entry.get("id"))
    return entry_id if counts[entry_id] == 1 else position


def _hit(entry: dict[str, Any], query: str) -> bool:
    """True when `query` (lower case) is part of the entry's label or id; an empty query matches everything."""
    return not query or query in str(entry.get("label", "")).lower() or query in str(entry.get("id", "")).lower()


def _search() -> str:
    """The search over labels and ids of the draft's entries (lower case; empty: show all)."""
    return st.text_input("Einträge suchen (Bezeichnung oder id)", key="katalog-suche",
                         placeholder="z. B. Mobilität oder oertliche_mobilitaet",
                         help="Zeigt nur passende Einträge mit ihren übergeordneten Einträgen.").strip().lower()


def _tree_editor(draft: CatalogueDraft, data: dict[str, Any], at: dict[str, list[str]],
                 published: frozenset[str]) -> None:
    counts = _ids(data)
    st.caption("↑ ↓ ändern die Reihenfolge in den Formularen. Umbenennen ändert nur die Bezeichnung, die id bleibt. "
               "Ausgesonderte Einträge werden für neue Profilings nicht mehr angeboten, alte zeigen sie weiter.")
    query = _search()
    found = 0
    st.subheader("Handlungsfelder, Handlungsbedarfe und Handlungsstrategien")
    for f, feld in enumerate(_list(data, "handlungsfelder")):
        feld_hit = _hit(feld, query)
        bedarfe = [(b, bedarf) for b, bedarf in enumerate(_list(feld, "handlungsbedarfe"))
                   if feld_hit or _hit(bedarf, query)
                   or any(_hit(s, query) for s in _list(bedarf, "handlungsstrategien"))]
        if not (feld_hit or bedarfe):
            continue
        with st.container(border=True):
            _entry_row(feld, draft, at, 0, _slot(feld, counts, f"f{f}"), published)
            found += feld_hit
            for b, bedarf in bedarfe:
                bedarf_hit = feld_hit or _hit(bedarf, query)
                found += _hit(bedarf, query)
                _entry_row(bedarf, draft, at, 1, _slot(bedarf, counts, f"f{f}b{b}"), published)
                for n, strategie in enumerate(_list(bedarf, "handlungsstrategien")):
                    if bedarf_hit or _hit(strategie, query):
                        found += _hit(strategie, query)
                        _entry_row(strategie, draft, at, 2, _slot(strategie, counts, f"f{f}b{b}s{n}"), published)
                if counts[str(bedarf.get("id"))] == 1 and not query:
                    _, add = st.columns([2, 10])
                    with add:
                        _add_form(str(bedarf.get("id")), "Handlungsstrategie",
                                  f"zu „{bedarf.get('label') or bedarf.get('id')}“", draft)
            if counts[str(feld.get("id"))] == 1 and not query:
                _add_form(str(feld.get("id")), "Handlungsbedarf", f"in „{feld.get('label') or feld.get('id')}“", draft,
                          with_strategy=True)
    if not query:
        _add_form("handlungsfelder", "Handlungsfeld", "neue Schlüsselgruppe", draft)
    for group, key in (("uebergreifend", "handlungsstrategien"), ("integrationsprognose", "optionen"),
                       ("profillagen", "optionen"), ("folgegespraech", "aktivitaeten")):
        if not isinstance(data.get(group), dict) and group in ("integrationsprognose", "profillagen"):
            continue  # a group this catalogue leaves out (it is added in the YAML text)
        block = data.get(group) if isinstance(data.get(group), dict) else {}
        entries = [(n, entry) for n, entry in enumerate(_list(block, key)) if _hit(entry, query)]
        if query and not entries:
            continue
        found += len(entries) if query else 0
        st.subheader(markdown_literal(block.get("label", group)))
        if block.get("bemerkung") and not query:
            st.caption(markdown_literal(block["bemerkung"]))
        with st.container(border=True):
            for n, entry in entries:
                _entry_row(entry, draft, at, 0, _slot(entry, counts, f"{group}{n}"), published)
            if not query:
                _add_form(group, editor.GROUPS[group], str(block.get("label", group)), draft)
    if query:
        abschnitte = [(n, e) for n, e in enumerate(_list(data.get("vereinbarung") or {}, "abschnitte"))
                      if _hit(e, query)]
        if abschnitte:
            st.subheader("Abschnitte der Vereinbarung")
            for n, entry in abschnitte:
                _entry_row(entry, draft, at, 0, _slot(entry, counts, f"abschnitt{n}"), published)
        found += len(abschnitte)
        st.caption(f"{found} passende Einträge." if found != 1 else "1 passender Eintrag.")
        return
    _agreement_editor(draft, data, at, counts, published)
    _hints_editor(draft, data, at)
    _samples(data, at)


def _agreement_editor(draft: CatalogueDraft, data: dict[str, Any], at: dict[str, list[str]],
                      counts: Counter[str], published: frozenset[str]) -> None:
    block = data.get("vereinbarung") if isinstance(data.get("vereinbarung"), dict) else {}
    st.subheader("Vereinbarung (Phase 4)")
    rev = draft.revision
    with st.container(border=True):
        name, titel, recht = st.columns(3)
        name.text_input("Kurzname", value=str(block.get("kurzname", "")), key=f"v-kurzname-{rev}")
        titel.text_input("Titel", value=str(block.get("titel", "")), key=f"v-titel-{rev}")
        recht.text_input("Rechtsgrundlage", value=str(block.get("rechtsgrundlage", "")), key=f"v-recht-{rev}")
        _button("Vereinbarung übernehmen", "vereinbarung", "Vereinbarung geändert.", editor.edit_agreement,
                revision=rev, inputs={"kurzname": f"v-kurzname-{rev}", "titel": f"v-titel-{rev}",
                                      "rechtsgrundlage": f"v-recht-{rev}"})
        st.markdown("**Abschnitte**")
        for n, entry in enumerate(_list(block, "abschnitte")):
            _entry_row(entry, draft, at, 0, _slot(entry, counts, f"abschnitt{n}"), published)
        _add_form("vereinbarung", "Vereinbarungsabschnitt", str(block.get("titel", "")), draft)


def _hints_editor(draft: CatalogueDraft, data: dict[str, Any], at: dict[str, list[str]]) -> None:
    st.subheader("Hinweise")
    st.caption("Die Bedingungen (wenn: prognose, bedarf_relevant, strategie_gewaehlt, strategie_fehlt) werden im "
               "YAML-Text bearbeitet.")
    for n, hint in enumerate(_list(data, "hinweise")):
        hint_id = str(hint.get("id"))
        key = f"hinweis-{n}-{draft.revision}"
        st.text_area(f"Hinweis `{hint_id}`", value=str(hint.get("text", "")), key=key)
        _button("Hinweistext übernehmen", f"hint-{n}", "Hinweis geändert.", editor.edit_hint, hint_id,
                revision=draft.revision, inputs={"text": key})
        _problems(at, hint_id)


def _samples(data: dict[str, Any], at: dict[str, list[str]]) -> None:
    st.subheader("Beispiel-Profilings")
    st.caption("Ein Entwurf wird nur veröffentlicht, wenn jedes Beispiel noch passt. Beispiele werden im YAML-Text "
               "unter „beispiele“ gepflegt.")
    for sample in _list(data, "beispiele"):
        st.markdown(f"- {markdown_literal(str(sample.get('label', '')))} · `{sample.get('id')}`")
        _problems(at, str(sample.get("id")))


# --- preview, changes, publishing ------------------------------------------------------------------------


def _preview(catalogue: Catalogue, models, key: str) -> None:
    st.caption("So sehen Integrationsfachkräfte die Formulare. Eingaben hier werden nicht gespeichert.")
    st.markdown("**1 Profiling – Handlungsbedarfe**")
    felder = [feld for feld in catalogue.handlungsfelder if feld.id in models.handlungsfelder]
    for tab, feld in zip(st.tabs([markdown_literal(feld.label) for feld in felder]), felder):
        with tab:
            model_input(f"{key}-{feld.id}", models.handlungsfelder[feld.id]())
    model_input(f"{key}-einschaetzung", models.einschaetzung())
    st.markdown("**3 Strategien** (hier für jeden Handlungsbedarf, als wäre er relevant)")
    bedarfe = [b.id for feld in felder for b in feld.handlungsbedarfe
               if not b.ausgesondert and models.strategie_enums[b.id].__members__]
    model_input(f"{key}-strategien", strategien_model(models, catalogue, bedarfe)())
    if models.uebergreifend.model_fields["strategien"].annotation.__args__[0].__members__:
        model_input(f"{key}-uebergreifend", models.uebergreifend())


def _changes(check: editor.DraftCheck) -> None:
    if check.draft.base_version < check.newest:
        st.warning(f"Der Entwurf beruht auf Version {check.draft.base_version}; inzwischen ist Version "
                   f"{check.newest} veröffentlicht. Die Änderungen sind gegen Version {check.newest} gerechnet: "
                   "was dort neu ist und im Entwurf fehlt, würde zurückgenommen.")
    st.markdown(f"**Änderungen gegenüber Version {check.newest}**")
    if not check.auswirkungen:
        st.caption("Keine Änderungen.")
    for item in check.auswirkungen:
        line = markdown_literal(item.aenderung.text)
        count = item.offene_profilings
        if count:
            text = f"{line} — **{count} offene{'s' if count == 1 else ''} Profiling{'' if count == 1 else 's'}** nutz{'t' if count == 1 else 'en'} diesen Eintrag"
            if item.aenderung.art in ("ausgesondert", "entfernt"):
                st.warning(text)
            else:
                st.markdown(f"- {text}")
        elif count == 0:
            st.markdown(f"- {line} — kein offenes Profiling nutzt diesen Eintrag")
        else:
            st.markdown(f"- {line}")
    if check.gezaehlt_am is not None:
        st.caption(f"Offene Profilings gezählt am {format_datetime(check.gezaehlt_am)}, nach der letzten Änderung "
                   "des Entwurfs.")
    st.caption("Offene Profilings bleiben auf der Version, mit der sie begonnen wurden; neue Profilings und Klone "
               "nutzen die neue Version. Abgeschlossene Profilings zeigen immer ihre eigene Version.")


def _publish(check: editor.DraftCheck) -> None:
    for problem in check.form_problems:
        st.error(markdown_literal(problem))
    st.markdown("**Beispiel-Profilings**")
    if check.catalogue is not None:
        for sample in check.catalogue.beispiele:
            st.markdown(f"- {markdown_literal(sample.label)}")
    if check.catalogue is not None and not check.form_problems:
        st.caption("Alle Beispiele passen zum Entwurf und lassen sich in den Formularen darstellen.")
    st.text_input("Notiz zur Veröffentlichung", key="publish-note",
                  placeholder="z. B. Neuer Handlungsbedarf „Digitale Kompetenzen“")
    _button("Veröffentlichen", "publish",
            lambda version: f"Version {version.number} veröffentlicht. Neue Profilings nutzen sie ab sofort.",
            editor.publish_draft, revision=check.draft.revision, inputs={"note": "publish-note"},
            disabled=not check.publishable, primary=True,
            help=None if check.publishable else "Erst veröffentlichen, wenn der Entwurf fehlerfrei ist.")


def _draft_tab(store, user, versions) -> None:
    draft = editor.current_draft(store, actor=user)
    if draft is None:
        st.info("Zurzeit ist kein Entwurf in Arbeit.")
        _button(f"Neuen Entwurf aus Version {versions[0].number} beginnen", "start", "Entwurf begonnen.",
                editor.start_draft, primary=True)
        _import(None)
        return
    st.caption(f"Entwurf auf Grundlage von Version {draft.base_version}, zuletzt gespeichert von "
               f"{draft.saved_by} am {format_datetime(draft.saved_at)}.")
    check = editor.check_draft(store, actor=user)
    data = editor.draft_data(draft)
    at, rest = editor.problems_at_entries(draft.text, check.problems)
    if check.problems:
        count = "1 Meldung" if len(check.problems) == 1 else f"{len(check.problems)} Meldungen"
        st.error(f"Der Entwurf ist fehlerhaft ({count}) und kann so nicht veröffentlicht "
                 "werden. Die Meldungen stehen bei den Einträgen" + (", diese hier:" if rest else "."))
        for problem in rest:
            st.error(markdown_literal(problem))
    elif check.form_problems:
        st.error("Der Entwurf kann so nicht veröffentlicht werden – siehe „Prüfen und veröffentlichen“.")
    else:
        st.success("Der Entwurf ist gültig.")
    for warning in check.warnings:
        st.warning(markdown_literal(warning))
    tree, preview, publish, source = st.tabs(
        ["Einträge bearbeiten", "Formularvorschau", "Prüfen und veröffentlichen", "YAML-Text und Import"])
    with tree:
        if data is None:
            st.warning("Der YAML-Text ist nicht lesbar; bitte unter „YAML-Text und Import“ korrigieren.")
        else:
            _tree_editor(draft, data, at, editor.published_ids(store))
    with preview:
        if check.catalogue is None:
            st.warning("Die Vorschau erscheint, sobald der Entwurf fehlerfrei ist.")
        else:
            _preview(check.catalogue, editor.preview_models(check.catalogue), f"entwurf-{draft.revision}")
    with publish:
        if check.catalogue is not None:
            _changes(check)
        _publish(check)
        _button("Entwurf verwerfen", "discard", "Entwurf verworfen.", editor.discard_draft,
                help="Die veröffentlichten Versionen bleiben unverändert.")
    with source:
        key = f"yaml-{draft.revision}"
        st.text_area("YAML-Text des Entwurfs", value=draft.text, height=500, key=key)
        _button("YAML-Text übernehmen", "save-text", "YAML-Text gespeichert.", editor.save_draft_text,
                revision=draft.revision, inputs={"text": key})
        st.download_button("Entwurf herunterladen", draft.text.encode("utf-8"), file_name="katalog_entwurf.yaml",
                           mime="application/x-yaml")
        _import(draft)


def _import(draft: CatalogueDraft | None) -> None:
    st.markdown("**YAML-Datei als Entwurf importieren**")
    if draft is not None:
        st.caption("Der Import ersetzt den aktuellen Entwurf.")
    upload = st.file_uploader("YAML-Datei", type=["yaml", "yml"], key="import-file")
    if upload is not None and st.button("Als Entwurf importieren", key="import"):
        try:
            editor.import_draft(get_store(), upload.getvalue(), filename=upload.name,
                                revision=draft.revision if draft else None, actor=st.session_state["user"])
        except DomainError as err:
            st.error(markdown_literal(err.message))
        else:
            st.session_state[_MESSAGE] = ("success", markdown_literal(f"„{upload.name}“ als Entwurf importiert."), "import")
            st.rerun()


# --- published versions ----------------------------------------------------------------------------------


def _retired(entry: Entry) -> str:
    return " *(ausgesondert)*" if entry.ausgesondert else ""


def _entries(entries: list[Entry]) -> None:
    for entry in entries:
        st.markdown(f"- {markdown_literal(entry.label)}{_retired(entry)} · `{entry.id}`")


def _tree(catalogue: Catalogue) -> None:
    """A published version's entries; labels are shown literally, as the draft's tree shows them."""
    for feld in catalogue.handlungsfelder:
        st.subheader(markdown_literal(feld.label) + _retired(feld))
        for bedarf in feld.handlungsbedarfe:
            st.markdown(f"**{markdown_literal(bedarf.label)}**{_retired(bedarf)} · `{bedarf.id}`")
            _entries(bedarf.handlungsstrategien)
    for gruppe, entries in (
        (catalogue.uebergreifend, catalogue.uebergreifend.handlungsstrategien),
        (catalogue.integrationsprognose, catalogue.integrationsprognose.optionen),
        (catalogue.profillagen, catalogue.profillagen.optionen),
        (catalogue.folgegespraech, catalogue.folgegespraech.aktivitaeten),
    ):
        if not entries:  # a group the catalogue leaves out (e.g. no Integrationsprognose)
            continue
        st.subheader(markdown_literal(gruppe.label))
        if gruppe.bemerkung:
            st.caption(markdown_literal(gruppe.bemerkung))
        _entries(entries)
    vereinbarung = catalogue.vereinbarung
    st.subheader(markdown_literal(f"Vereinbarung: {vereinbarung.titel} ({vereinbarung.kurzname}, "
                                  f"{vereinbarung.rechtsgrundlage})"))
    st.caption("mit Unterschriften" if vereinbarung.unterschriften else "ohne Unterschriften")
    _entries(vereinbarung.abschnitte)
    st.subheader("Hinweise")
    for hinweis in catalogue.hinweise:
        st.info(markdown_literal(hinweis.text))


def _versions_tab(store, versions) -> None:
    version = st.selectbox(
        "Veröffentlichte Version",
        versions,
        format_func=lambda v: f"Version {v.number} vom {format_datetime(v.published_at)} – {v.note}",
    )
    st.caption(f"Version {version.number}: veröffentlicht von {version.published_by} am "
               f"{format_datetime(version.published_at)}. Gespeicherte Profilings behalten ihre Version.")
    catalogue = get_catalogue(store, version.number)
    entries, preview, source = st.tabs(["Einträge", "Formularvorschau", "YAML-Datei"])
    with entries:
        _tree(catalogue)
    with preview:
        _preview(catalogue, get_models(store, catalogue.version), f"vorschau-{catalogue.version}")
    with source:
        st.download_button(
            "YAML-Datei herunterladen",
            version.text.encode("utf-8"),
            file_name=f"katalog_version_{version.number}.yaml",
            mime="application/x-yaml",
        )
        st.code(version.text, language="yaml")


def _compare_tab(store, user, versions) -> None:
    numbers = [v.number for v in versions]
    if len(numbers) < 2:
        st.info("Es gibt erst eine veröffentlichte Version.")
        return
    old_col, new_col = st.columns(2)
    old = old_col.selectbox("Ältere Version", numbers, index=1, key="vergleich-alt")
    new = new_col.selectbox("Neuere Version", numbers, index=0, key="vergleich-neu")
    changes = editor.compare_versions(store, old, new, actor=user)
    if not changes:
        st.caption("Keine Unterschiede.")
    for change in changes:
        st.markdown(f"- {markdown_literal(change.text)}")


def render() -> None:
    user = require_user()
    store = get_store()
    st.title("Katalog")
    message = st.container()  # filled last: by then each button has shown its own error
    versions = list_versions(store, actor=user)
    if allowed(user, Permission.EDIT_CATALOGUE):
        draft_tab, versions_tab, compare_tab = st.tabs(["Entwurf", "Veröffentlichte Versionen", "Versionen vergleichen"])
        with draft_tab:
            _draft_tab(store, user, versions)
    else:
        versions_tab, compare_tab = st.tabs(["Veröffentlichte Versionen", "Versionen vergleichen"])
    with versions_tab:
        _versions_tab(store, versions)
    with compare_tab:
        _compare_tab(store, user, versions)
    _show_message(message)


run_page(render)
