"""Profiling use cases (phases 1–3): history, start, save, completeness, rule hints, close, discard, clone.

Decisions documented here (the rules of phases 1–3 as the procedure note sets them):
- A profiling may be saved in any state of completion; it stays `offen` until it is closed.
- Strategies chosen for a Handlungsbedarf that is no longer marked relevant are KEPT in the record (unticking
  "relevant" by mistake loses nothing), but they count nowhere: not for the completeness check, the rule
  hints or the EGV. `gewaehlte_strategien` gives the strategies that count.
- Which assessments closing needs is catalogue data (`einschaetzung_pflicht`, and which of the groups
  Integrationsprognose / Profillagen the catalogue has): by default exactly one of the two, as they exclude each
  other; both set is then listed as a gap, not refused on save, so no input is lost. Whether a relevant
  Handlungsbedarf needs a strategy is catalogue data too (`strategie_pflicht`, `nur_profiling`).
- A clone takes the newest catalogue version and keeps every entry whose id is still offered there (present
  and not `ausgesondert`, nor below a Handlungsfeld that is); the consent (Einverständnis) is not copied: it is
  obtained anew for the new profiling.
- Closing needs an Integrationsziel and a recorded consent decision (seed 4.2: the consent is obtained in every
  case and the result discussed): "erteilt" with its date, or "nicht erteilt" with its date and a note. A refusal
  documented so does NOT block closing: the duty is to seek the consent and discuss the result, and the note
  proves that; refusing to close would leave the Standortbestimmung open for ever. Open profilings saved before
  this rule show both items as missing in the checklist, nothing else changes for them.
- Neuorientierung: when a Handlungsbedarf the catalogue flags `neuorientierung` is relevant, closing needs an
  Alternativberuf and the decision on the ärztlicher/psychologischer Dienst (eingeschaltet with its date, or nicht
  erforderlich with a reason). Reha indications (Anhaltspunkte from an assessment) need the date of the referral
  to the BA as Reha-Trägerin, whatever the Bedarfe.
- A planned funded measure (`foerderung_geplant`) is part of the completeness check: the measure is named and
  the Förder-Check confirms it passgenau, erfolgswahrscheinlich and wirtschaftlich.
"""

from __future__ import annotations

from dataclasses import dataclass

from dates import format_date, format_datetime, today
from errors import Incomplete, InvalidInput, LifecycleError, RecordClosed
from schemas.catalogue import Catalogue, Handlungsbedarf
from schemas.records import (
    BedarfEintrag,
    Egv,
    FoerderCheck,
    Neuorientierung,
    Profiling,
    Status,
    User,
    max_chars,
)
from schemas.text import has_visible, refuse_unprintable_fields, required_text
from services import audit_log
from services.access import Permission, require
from services.catalogue import get_catalogue, latest_version
from services.clients import client_for, new_id, record_read
from storage.base import Store

ZIELBERUF_MAX = 200
KOMPETENZ_MAX = 200
KOMPETENZEN_MAX = 100
MASSNAHME_MAX = 300

NEUER_EINTRAG = "neuer Eintrag …"
_STATUS_SHORT = {Status.OFFEN: "offen", Status.ABGESCHLOSSEN: "abgeschl."}

GAP_ZIELBERUF = "Zielberuf fehlt"
GAP_ZIEL = "Integrationsziel fehlt"
GAP_EINVERSTAENDNIS = "Einverständnis der Kundin / des Kunden ist nicht vermerkt (erteilt oder nicht erteilt, mit Datum)"
GAP_VERWEIGERUNG_NOTIZ = "Das nicht erteilte Einverständnis braucht eine Notiz zum Gespräch darüber"
#: The three questions of the Förder-Check (fields of `FoerderCheck`, named as the seed names them).
FOERDER_FRAGEN = ("passgenau", "erfolgswahrscheinlich", "wirtschaftlich")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a client's profiling list; `profiling_id` None is the entry "neuer Eintrag …"."""

    label: str
    profiling_id: str | None
    status: Status | None


@dataclass(frozen=True)
class _Check:
    label: str  # shown in the checklist
    missing: str  # shown when not done
    done: bool


# --- reading -------------------------------------------------------------------------------------------


def profiling_history(store: Store, client_id: str, *, actor: User) -> list[HistoryEntry]:
    """ "neuer Eintrag …" first, then the client's profilings newest first, labelled
    "<created> / <edited> offen|abgeschl." in Europe/Berlin. Raises NotPermitted, NotFound.
    """
    client_for(store, client_id, actor=actor)
    profilings = sorted(store.list_for_client(Profiling, client_id), key=lambda p: p.created_at, reverse=True)
    entries = [HistoryEntry(NEUER_EINTRAG, None, None)]
    for profiling in profilings:
        label = (
            f"{format_datetime(profiling.created_at)} / {format_datetime(profiling.updated_at)} "
            f"{_STATUS_SHORT[profiling.status]}"
        )
        entries.append(HistoryEntry(label, profiling.id, profiling.status))
    audit_log.list_viewed(store, (p.id for p in profilings), actor=actor, record_kind="Profiling",
                          view="Profilings der Kundin / des Kunden", client_id=client_id)
    return entries


def open_profiling(store: Store, profiling_id: str, *, actor: User) -> Profiling:
    """A stored profiling; the access is audited ("gelesen"). Raises NotPermitted, NotFound."""
    require(store, actor, Permission.WORK_ON_CLIENTS)
    profiling = store.get(Profiling, profiling_id)
    client_for(store, profiling.client_id, actor=actor)
    record_read(store, profiling, actor=actor)
    return profiling


def profiling_catalogue(store: Store, profiling: Profiling) -> Catalogue:
    """The catalogue version the profiling was made with (a closed one always renders with it)."""
    return get_catalogue(store, profiling.catalogue_version)


# --- phase 1–3 editing ---------------------------------------------------------------------------------


def start_profiling(store: Store, client_id: str, *, actor: User) -> Profiling:
    """A new, not yet stored open profiling (revision 0) on the newest catalogue version, with every offered
    Handlungsbedarf present and not relevant. Raises NotPermitted, NotFound (client or no catalogue).
    """
    client_for(store, client_id, actor=actor)
    number = latest_version(store)
    catalogue = get_catalogue(store, number)
    return Profiling(
        id=new_id(),
        client_id=client_id,
        catalogue_version=number,
        handlungsbedarfe={bedarf_id: BedarfEintrag() for bedarf_id in _offered_bedarfe(catalogue)},
    )


def _offered_bedarfe(catalogue: Catalogue) -> dict[str, Handlungsbedarf]:
    """The Handlungsbedarfe offered for new work: neither they nor their Handlungsfeld are retired."""
    return {bedarf.id: bedarf for feld, bedarf in catalogue.bedarfe()
            if not bedarf.ausgesondert and not feld.ausgesondert}


def save_profiling(store: Store, profiling: Profiling, *, actor: User) -> Profiling:
    """Store an open profiling, complete or not (revision 0: first save); it stays `offen`.

    Kompetenzen are trimmed and de-duplicated; a consent without a date gets today's date.
    Raises NotPermitted, NotFound, InvalidInput (with the field), RecordClosed (closed profiling: read-only),
    StaleRevision (a colleague saved meanwhile), LifecycleError.
    """
    client_for(store, profiling.client_id, actor=actor)
    catalogue = get_catalogue(store, profiling.catalogue_version)
    profiling = _validated(profiling, catalogue)
    refuse_unprintable_fields(profiling)
    if profiling.revision == 0:
        return store.add(profiling, actor=actor)
    return store.save(profiling, actor=actor)


def gewaehlte_strategien(profiling: Profiling, catalogue: Catalogue) -> list[str]:
    """The strategy ids that count, in catalogue order: those of relevant Handlungsbedarfe, then the
    übergreifende ones. Strategies kept for a Bedarf that is no longer relevant are left out.
    """
    chosen: list[str] = []
    for _, bedarf in catalogue.bedarfe():
        eintrag = profiling.handlungsbedarfe.get(bedarf.id)
        if eintrag is None or not eintrag.relevant:
            continue
        picked = set(profiling.strategien.get(bedarf.id, []))
        chosen += [s.id for s in bedarf.handlungsstrategien if s.id in picked]
    picked = set(profiling.uebergreifend)
    chosen += [s.id for s in catalogue.uebergreifend.handlungsstrategien if s.id in picked]
    return chosen


def relevante_bedarfe(profiling: Profiling, catalogue: Catalogue) -> list[str]:
    """Ids of the Handlungsbedarfe marked relevant, in catalogue order."""
    return [
        bedarf.id
        for _, bedarf in catalogue.bedarfe()
        if (eintrag := profiling.handlungsbedarfe.get(bedarf.id)) is not None and eintrag.relevant
    ]


def _checks(profiling: Profiling, catalogue: Catalogue) -> list[_Check]:
    checks = [_Check("Zielberuf angegeben", GAP_ZIELBERUF, has_visible(profiling.zielberuf))]
    for bedarf_id in relevante_bedarfe(profiling, catalogue):
        if not catalogue.braucht_strategie(bedarf_id):
            continue
        bedarf = catalogue.bedarf(bedarf_id)
        offered = {s.id for s in bedarf.handlungsstrategien}
        done = any(s in offered for s in profiling.strategien.get(bedarf_id, []))
        checks.append(
            _Check(
                f"Handlungsstrategie für „{bedarf.label}“ gewählt",
                f"Für den relevanten Handlungsbedarf „{bedarf.label}“ ist noch keine Handlungsstrategie gewählt",
                done,
            )
        )
    if (check := _einschaetzung_check(profiling, catalogue)) is not None:
        checks.append(check)
    checks.append(_Check("Integrationsziel festgelegt", GAP_ZIEL, has_visible(profiling.integrationsziel)))
    checks.append(_Check("Einverständnis vermerkt (erteilt oder nicht erteilt)", _consent_gap(profiling),
                         not _consent_gap(profiling)))
    checks += _neuorientierung_checks(profiling, catalogue)
    if profiling.foerderung_geplant:
        check = profiling.foerder_check
        offen = [frage for frage in FOERDER_FRAGEN if not getattr(check, frage)]
        if not has_visible(check.massnahme):
            missing = "Förder-Check: Die geplante Maßnahme ist nicht benannt"
            if offen:
                missing += " und nicht bestätigt: " + ", ".join(offen)
        else:
            missing = f"Förder-Check für „{check.massnahme.strip()}“: nicht bestätigt: " + ", ".join(offen)
        checks.append(_Check("Förder-Check: Maßnahme benannt, passgenau – erfolgswahrscheinlich – wirtschaftlich",
                             missing, has_visible(check.massnahme) and not offen))
    return checks


def _einschaetzung_check(profiling: Profiling, catalogue: Catalogue) -> _Check | None:
    """The assessment the catalogue requires (`einschaetzung_pflicht`), named by the catalogue's own labels."""
    present = [(g.label, entry_id) for g, entry_id in ((catalogue.integrationsprognose, profiling.integrationsprognose),
                                                       (catalogue.profillagen, profiling.profillage)) if g.vorhanden]
    if not present:
        return None
    groups = [label for label, _ in present]
    set_ = [label for label, entry_id in present if entry_id]
    if len(groups) == 1:
        return _Check(f"{groups[0]} gewählt", f"{groups[0]} fehlt", bool(set_))
    first, second = groups
    pflicht = catalogue.einschaetzung_pflicht
    if pflicht == "beide":
        missing = " und ".join(label for label in groups if label not in set_)
        return _Check(f"{first} und {second} gewählt", f"{missing} fehlt", len(set_) == 2)
    if pflicht == "genau_eine" and len(set_) == 2:
        return _Check(f"{first} oder {second} gewählt",
                      f"{first} und {second} schließen sich aus – bitte nur eines von beiden wählen", False)
    return _Check(f"{first} oder {second} gewählt", f"{first} oder {second} fehlt", bool(set_))


def neuorientierung_noetig(profiling: Profiling, catalogue: Catalogue) -> list[str]:
    """Labels of the relevant Handlungsbedarfe the catalogue flags as possibly ruling out the learned occupation."""
    return [catalogue.bedarf(b).label for b in relevante_bedarfe(profiling, catalogue)
            if catalogue.bedarf(b).neuorientierung]


def _neuorientierung_checks(profiling: Profiling, catalogue: Catalogue) -> list[_Check]:
    neu = profiling.neuorientierung
    checks = []
    if neuorientierung_noetig(profiling, catalogue):
        checks.append(_Check("Berufliche Alternative (Alternativberuf) erarbeitet",
                             "Berufliche Alternative (Alternativberuf) fehlt", bool(neu.alternativberuf.strip())))
        dienst = (neu.dienst_eingeschaltet and neu.dienst_datum is not None) or (
            neu.dienst_nicht_erforderlich and bool(neu.dienst_begruendung.strip()))
        checks.append(_Check("Ärztlicher/psychologischer Dienst: eingeschaltet (Datum) oder nicht erforderlich "
                             "(Begründung)",
                             "Ärztlicher/psychologischer Dienst: nicht vermerkt, ob eingeschaltet (mit Datum) oder "
                             "nicht erforderlich (mit Begründung)", dienst))
    if neu.reha_anhaltspunkte:
        checks.append(_Check("Verweis an die BA als Reha-Trägerin (Datum)",
                             "Anhaltspunkte für Reha: Datum des Verweises an die BA fehlt",
                             neu.reha_verweis_datum is not None))
    return checks


def _consent_gap(profiling: Profiling) -> str:
    """What is missing of the consent decision ("" when it is recorded)."""
    if profiling.einverstaendnis_datum is None or profiling.einverstaendnis == profiling.einverstaendnis_verweigert:
        return GAP_EINVERSTAENDNIS
    if profiling.einverstaendnis_verweigert and not profiling.einverstaendnis_notiz.strip():
        return GAP_VERWEIGERUNG_NOTIZ
    return ""


def completeness_gaps(profiling: Profiling, catalogue: Catalogue) -> list[str]:
    """What is still missing before the profiling can be closed, in plain German (empty: complete).

    `catalogue` must be the profiling's own version.
    """
    return [check.missing for check in _checks(profiling, catalogue) if not check.done]


def checklist(profiling: Profiling, catalogue: Catalogue) -> list[tuple[str, bool]]:
    """Every completeness check with done / not done, for the live checklist beside the form."""
    return [(check.label, check.done) for check in _checks(profiling, catalogue)]


def rule_hints(profiling: Profiling, catalogue: Catalogue) -> list[str]:
    """The texts of the catalogue's hints whose conditions all hold (prognose; any of bedarf_relevant
    relevant; any of strategie_gewaehlt chosen; none of strategie_fehlt chosen). A hint triggered by chosen
    strategies names them first ("Zu „<label of the strategy>“: …"), so that its text has a clear referent.
    """
    relevant = set(relevante_bedarfe(profiling, catalogue))
    chosen = set(gewaehlte_strategien(profiling, catalogue))
    hints = []
    for hinweis in catalogue.hinweise:
        wenn = hinweis.wenn
        if wenn.prognose and profiling.integrationsprognose != wenn.prognose:
            continue
        if wenn.bedarf_relevant and not relevant.intersection(wenn.bedarf_relevant):
            continue
        if wenn.strategie_gewaehlt and not chosen.intersection(wenn.strategie_gewaehlt):
            continue
        if wenn.strategie_fehlt and chosen.intersection(wenn.strategie_fehlt):
            continue
        if wenn.strategie_gewaehlt:
            betroffen = [s for s in gewaehlte_strategien(profiling, catalogue) if s in wenn.strategie_gewaehlt]
            hints.append("Zu " + ", ".join(f"„{catalogue.label(s)}“" for s in betroffen) + f": {hinweis.text}")
        else:
            hints.append(hinweis.text)
    return hints


# --- lifecycle -----------------------------------------------------------------------------------------


def close_profiling(store: Store, profiling_id: str, *, revision: int, actor: User) -> Profiling:
    """Close the stored open profiling after the completeness check; from then on it is read-only.

    Raises NotPermitted, NotFound, Incomplete (lists what is missing), LifecycleError (already closed),
    StaleRevision (`revision` is not the stored one: save first).
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    profiling = store.get(Profiling, profiling_id)
    client_for(store, profiling.client_id, actor=actor)
    if profiling.status != Status.OFFEN:
        raise LifecycleError("Dieses Profiling ist bereits abgeschlossen.")
    if missing := completeness_gaps(profiling, get_catalogue(store, profiling.catalogue_version)):
        raise Incomplete(missing)
    return store.close(Profiling, profiling_id, revision=revision, actor=actor)


def discard_profiling(store: Store, profiling_id: str, *, revision: int, actor: User) -> None:
    """Delete an open profiling as a whole (verwerfen). Raises NotPermitted, NotFound, RecordClosed
    (a closed profiling is never discarded), LifecycleError (an EGV refers to it), StaleRevision.
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    profiling = store.get(Profiling, profiling_id)
    client_for(store, profiling.client_id, actor=actor)
    if profiling.status != Status.OFFEN:
        raise RecordClosed(
            "Dieses Profiling ist abgeschlossen und kann nicht verworfen werden. "
            "Löschen ist nur durch die KDN-Fachbetreuung mit Begründung möglich."
        )
    if any(egv.profiling_id == profiling_id for egv in store.list_for_client(Egv, profiling.client_id)):
        kurzname = get_catalogue(store, profiling.catalogue_version).vereinbarung.kurzname
        raise LifecycleError(
            f"Zu diesem Profiling gibt es bereits eine Vereinbarung ({kurzname}); es kann deshalb nicht "
            "verworfen werden."
        )
    store.discard(Profiling, profiling_id, revision=revision, actor=actor)


def clone_profiling(store: Store, profiling_id: str, *, actor: User) -> Profiling:
    """A new stored open profiling from any profiling (open or closed), on the newest catalogue version.

    Entries whose ids are no longer offered are left out; the consent is not copied; `cloned_from` links
    the source. Raises NotPermitted, NotFound.
    """
    require(store, actor, Permission.WORK_ON_CLIENTS)
    source = store.get(Profiling, profiling_id)
    client_for(store, source.client_id, actor=actor)
    number = latest_version(store)
    catalogue = get_catalogue(store, number)

    bedarfe = _offered_bedarfe(catalogue)
    handlungsbedarfe = {
        bedarf_id: source.handlungsbedarfe.get(bedarf_id, BedarfEintrag()).model_copy()
        for bedarf_id in bedarfe
    }
    strategien: dict[str, list[str]] = {}
    for bedarf_id, chosen in source.strategien.items():
        if bedarf_id in bedarfe:
            offered = {s.id for s in bedarfe[bedarf_id].handlungsstrategien if not s.ausgesondert}
            if kept := [s for s in chosen if s in offered]:
                strategien[bedarf_id] = kept
    uebergreifend_offered = {s.id for s in catalogue.uebergreifend.handlungsstrategien if not s.ausgesondert}
    prognosen = {o.id for o in catalogue.integrationsprognose.optionen if not o.ausgesondert}
    profillagen = {o.id for o in catalogue.profillagen.optionen if not o.ausgesondert}

    clone = Profiling(
        id=new_id(),
        client_id=source.client_id,
        catalogue_version=number,
        cloned_from=source.id,
        zielberuf=source.zielberuf,
        kompetenzen=list(source.kompetenzen),
        kompetenzklassen=_kept_kompetenzen(source, catalogue),
        handlungsbedarfe=handlungsbedarfe,
        integrationsprognose=source.integrationsprognose
        if source.integrationsprognose in prognosen
        else None,
        profillage=source.profillage if source.profillage in profillagen else None,
        integrationsziel=source.integrationsziel,
        strategien=strategien,
        uebergreifend=[s for s in source.uebergreifend if s in uebergreifend_offered],
        foerderung_geplant=source.foerderung_geplant,
        foerder_check=source.foerder_check.model_copy(),
        neuorientierung=source.neuorientierung.model_copy(),
    )
    return store.add(clone, actor=actor)


def correct_closed_profiling(store: Store, profiling: Profiling, *, reason: str, actor: User) -> Profiling:
    """KDN-Fachbetreuung only: change a closed profiling; the reason (e.g. a data-protection incident) is
    audited. Raises NotPermitted (other roles), InvalidInput (no reason, bad input), LifecycleError (still
    open: save normally), StaleRevision, NotFound.
    """
    require(store, actor, Permission.OVERRIDE_CLOSED)
    reason = _reason(reason)
    client_for(store, profiling.client_id, actor=actor)
    profiling = _validated(profiling, get_catalogue(store, profiling.catalogue_version))
    refuse_unprintable_fields(profiling)
    return store.override_save(profiling, actor=actor, reason=reason)


def delete_closed_profiling(store: Store, profiling_id: str, *, reason: str, actor: User) -> None:
    """KDN-Fachbetreuung only: delete a closed profiling with an audited reason.

    Raises NotPermitted (other roles), InvalidInput (no reason), LifecycleError (still open: discard it),
    NotFound.
    """
    require(store, actor, Permission.OVERRIDE_CLOSED)
    reason = _reason(reason)
    profiling = store.get(Profiling, profiling_id)
    client_for(store, profiling.client_id, actor=actor)
    store.override_delete(Profiling, profiling_id, actor=actor, reason=reason)


# --- texts ---------------------------------------------------------------------------------------------


def basisprofil(profiling: Profiling, catalogue: Catalogue | None = None) -> str:
    """'Zielberuf: … · Kompetenzen: a, b, c' (Zielberuf and Kompetenzen together, by Kompetenzklasse where the
    catalogue has classes; '—' where empty)."""
    zielberuf = profiling.zielberuf.strip() or "—"
    parts = kompetenzen_nach_klassen(profiling, catalogue) if catalogue is not None else [
        ("Kompetenzen", list(profiling.kompetenzen))]
    return " · ".join([f"Zielberuf: {zielberuf}", *(f"{title}: {', '.join(v for v in values if v.strip()) or '—'}"
                                                      for title, values in parts)])


def beratungsvermerk(profiling: Profiling) -> str:
    """The Beratungsvermerk text that references the profiling by its created date (Europe/Berlin)."""
    return f"Standortbestimmung, siehe Profiling vom {format_date(profiling.created_at)}"


def label(catalogue: Catalogue, entry_id: str) -> str:
    """The label of a catalogue entry by id (an unknown id shows as itself)."""
    return catalogue.label(entry_id)


# --- validation ----------------------------------------------------------------------------------------


def _validated(profiling: Profiling, catalogue: Catalogue) -> Profiling:
    """The profiling with normalised input, or InvalidInput naming the field."""
    zielberuf = " ".join(profiling.zielberuf.split())
    if len(zielberuf) > ZIELBERUF_MAX:
        raise InvalidInput(
            f"Der Zielberuf darf höchstens {ZIELBERUF_MAX} Zeichen lang sein.", field="zielberuf"
        )

    kompetenzen = list(dict.fromkeys(k.strip() for k in profiling.kompetenzen if k.strip()))
    if len(kompetenzen) > KOMPETENZEN_MAX:
        raise InvalidInput(f"Bitte höchstens {KOMPETENZEN_MAX} Kompetenzen erfassen.", field="kompetenzen")
    if too_long := next((k for k in kompetenzen if len(k) > KOMPETENZ_MAX), None):
        raise InvalidInput(
            f"Die Kompetenz „{too_long[:40]}…“ ist länger als {KOMPETENZ_MAX} Zeichen.", field="kompetenzen"
        )

    klassen = _kompetenzklassen(profiling, catalogue)

    bedarfe = {bedarf.id: bedarf for _, bedarf in catalogue.bedarfe()}
    for bedarf_id, eintrag in profiling.handlungsbedarfe.items():
        if bedarf_id not in bedarfe:
            raise InvalidInput(
                f"Den Handlungsbedarf „{bedarf_id}“ gibt es in Katalogversion {catalogue.version} nicht.",
                field="handlungsbedarfe",
            )
        if len(eintrag.bemerkungen) > (limit := max_chars(BedarfEintrag, "bemerkungen")):
            raise InvalidInput(
                f"Die Bemerkungen zu „{bedarfe[bedarf_id].label}“ dürfen höchstens {limit} Zeichen lang sein.",
                field=f"handlungsbedarfe.{bedarf_id}",
            )

    prognosen = {o.id for o in catalogue.integrationsprognose.optionen}
    if profiling.integrationsprognose is not None and profiling.integrationsprognose not in prognosen:
        raise InvalidInput(
            f"Die Integrationsprognose „{profiling.integrationsprognose}“ gibt es nicht.",
            field="integrationsprognose",
        )
    profillagen = {o.id for o in catalogue.profillagen.optionen}
    if profiling.profillage is not None and profiling.profillage not in profillagen:
        raise InvalidInput(f"Die Profillage „{profiling.profillage}“ gibt es nicht.", field="profillage")

    if len(profiling.integrationsziel) > (limit := max_chars(Profiling, "integrationsziel")):
        raise InvalidInput(
            f"Das Integrationsziel darf höchstens {limit} Zeichen lang sein.", field="integrationsziel"
        )
    einverstaendnis_datum = profiling.einverstaendnis_datum
    if einverstaendnis_datum is not None and einverstaendnis_datum > today():
        raise InvalidInput(
            "Das Datum des Einverständnisses liegt in der Zukunft.", field="einverstaendnis_datum"
        )
    if profiling.einverstaendnis and profiling.einverstaendnis_verweigert:
        raise InvalidInput(
            "Das Einverständnis kann nur entweder erteilt oder nicht erteilt sein.", field="einverstaendnis"
        )
    if len(profiling.einverstaendnis_notiz) > (limit := max_chars(Profiling, "einverstaendnis_notiz")):
        raise InvalidInput(
            f"Die Notiz zum Einverständnis darf höchstens {limit} Zeichen lang sein.", field="einverstaendnis_notiz"
        )
    if (profiling.einverstaendnis or profiling.einverstaendnis_verweigert) and einverstaendnis_datum is None:
        einverstaendnis_datum = today()

    strategien: dict[str, list[str]] = {}
    for bedarf_id, chosen in profiling.strategien.items():
        if bedarf_id not in bedarfe:
            raise InvalidInput(
                f"Den Handlungsbedarf „{bedarf_id}“ gibt es in Katalogversion {catalogue.version} nicht.",
                field="strategien",
            )
        offered = {s.id for s in bedarfe[bedarf_id].handlungsstrategien}
        for strategie_id in chosen:
            if strategie_id not in offered:
                raise InvalidInput(
                    f"Die Handlungsstrategie „{catalogue.label(strategie_id)}“ gehört nicht zum Handlungsbedarf "
                    f"„{bedarfe[bedarf_id].label}“.",
                    field="strategien",
                )
        if chosen:
            strategien[bedarf_id] = list(dict.fromkeys(chosen))
    uebergreifend_offered = {s.id for s in catalogue.uebergreifend.handlungsstrategien}
    for strategie_id in profiling.uebergreifend:
        if strategie_id not in uebergreifend_offered:
            raise InvalidInput(
                f"„{catalogue.label(strategie_id)}“ ist keine übergreifende Handlungsstrategie.",
                field="uebergreifend",
            )

    check = profiling.foerder_check
    if len(check.massnahme) > MASSNAHME_MAX:
        raise InvalidInput(
            f"Die Maßnahme darf höchstens {MASSNAHME_MAX} Zeichen lang sein.", field="foerder_check"
        )
    if len(check.begruendung) > (limit := max_chars(FoerderCheck, "begruendung")):
        raise InvalidInput(
            f"Die Begründung zum Förder-Check darf höchstens {limit} Zeichen lang sein.",
            field="foerder_check",
        )

    neuorientierung = _validated_neuorientierung(profiling.neuorientierung)

    return profiling.model_copy(
        update={
            "neuorientierung": neuorientierung,
            "zielberuf": zielberuf,
            "kompetenzen": kompetenzen,
            "kompetenzklassen": klassen,
            "einverstaendnis_datum": einverstaendnis_datum,
            "strategien": strategien,
            "uebergreifend": list(dict.fromkeys(profiling.uebergreifend)),
            "foerder_check": FoerderCheck.model_validate(check.model_dump()),
        }
    )


def _kompetenzklassen(profiling: Profiling, catalogue: Catalogue) -> dict[str, list[str]]:
    """Kompetenzen by class, normalised: known classes only, choices from the class's `auswahl`, free texts
    trimmed, de-duplicated and within the limits. Raises InvalidInput (field "kompetenzen")."""
    klassen = {klasse.id: klasse for klasse in catalogue.kompetenzklassen}
    result: dict[str, list[str]] = {}
    for klasse_id, values in profiling.kompetenzklassen.items():
        klasse = klassen.get(klasse_id)
        if klasse is None:
            raise InvalidInput(f"Die Kompetenzklasse „{klasse_id}“ gibt es in Katalogversion {catalogue.version} "
                               "nicht.", field="kompetenzen")
        kept = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        offered = {o.id for o in klasse.auswahl}
        if offered and (unknown := next((v for v in kept if v not in offered), None)):
            raise InvalidInput(f"„{unknown}“ gehört nicht zur Auswahl von „{klasse.label}“.", field="kompetenzen")
        if len(kept) > KOMPETENZEN_MAX:
            raise InvalidInput(f"Bitte höchstens {KOMPETENZEN_MAX} Einträge unter „{klasse.label}“ erfassen.",
                               field="kompetenzen")
        if too_long := next((v for v in kept if len(v) > KOMPETENZ_MAX), None):
            raise InvalidInput(f"Die Kompetenz „{too_long[:40]}…“ ist länger als {KOMPETENZ_MAX} Zeichen.",
                               field="kompetenzen")
        if kept:
            result[klasse_id] = kept
    return result


def _kept_kompetenzen(source: Profiling, catalogue: Catalogue) -> dict[str, list[str]]:
    """A clone's Kompetenzen by class: the classes the new version still has; choices it still offers."""
    kept: dict[str, list[str]] = {}
    for klasse in catalogue.kompetenzklassen:
        offered = {o.id for o in klasse.auswahl if not o.ausgesondert}
        values = [v for v in source.kompetenzklassen.get(klasse.id, []) if not klasse.auswahl or v in offered]
        if values:
            kept[klasse.id] = values
    return kept


def kompetenzen_nach_klassen(profiling: Profiling, catalogue: Catalogue) -> list[tuple[str, list[str]]]:
    """The Kompetenzen to show, print and export: (title, entries) per Kompetenzklasse of the catalogue (choices
    by their labels), or one ("Kompetenzen", list) where the catalogue has no classes."""
    if not catalogue.kompetenzklassen:
        return [("Kompetenzen", list(profiling.kompetenzen))]
    return [(klasse.label, [catalogue.label(v) if klasse.auswahl else v
                            for v in profiling.kompetenzklassen.get(klasse.id, [])])
            for klasse in catalogue.kompetenzklassen
            if not klasse.ausgesondert or profiling.kompetenzklassen.get(klasse.id)]


def _validated_neuorientierung(neu: Neuorientierung) -> Neuorientierung:
    alternativberuf = " ".join(neu.alternativberuf.split())
    if len(alternativberuf) > ZIELBERUF_MAX:
        raise InvalidInput(f"Der Alternativberuf darf höchstens {ZIELBERUF_MAX} Zeichen lang sein.",
                           field="neuorientierung.alternativberuf")
    if neu.dienst_eingeschaltet and neu.dienst_nicht_erforderlich:
        raise InvalidInput("Der ärztliche/psychologische Dienst ist entweder eingeschaltet oder nicht erforderlich.",
                           field="neuorientierung.dienst")
    for field, value in (("dienst_datum", neu.dienst_datum), ("reha_verweis_datum", neu.reha_verweis_datum)):
        if value is not None and value > today():
            raise InvalidInput("Das Datum liegt in der Zukunft.", field=f"neuorientierung.{field}")
    if len(neu.dienst_begruendung) > (limit := max_chars(Neuorientierung, "dienst_begruendung")):
        raise InvalidInput(f"Die Begründung darf höchstens {limit} Zeichen lang sein.",
                           field="neuorientierung.dienst")
    return neu.model_copy(update={"alternativberuf": alternativberuf})


def _reason(reason: str) -> str:
    return required_text(reason, field="reason", message="Bitte begründen Sie die Korrektur (z. B. Datenschutzvorfall).")
