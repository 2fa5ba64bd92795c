"""Catalogue and user texts are shown literally on every page: Markdown and HTML in them are never interpreted."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dates import today
from schemas.catalogue import SHIPPED_CATALOGUE
from schemas.records import AktivitaetEintrag, BedarfEintrag, Role, User
from services.catalogue import publish_catalogue
from services.catalogue_editor import start_draft
from services.egv import draft_egv, save_egv
from services.folgegespraech import new_folgegespraech, record_folgegespraech
from services.profiling import clone_profiling, close_profiling, save_profiling, start_profiling
from storage.base import Store
from tests.factories import make_client, make_user
from tests.ui.test_case_pages import EGV, FOLGE, KUNDEN, PROFILING, STRATEGIEN, ZIEL, button

HOSTILE = "**x** # y [z](javascript:alert(1)) <b>w</b>"
#: What a body may contain only where Markdown would interpret it: any of these means the text went in raw.
RAW_MARKUP = re.compile(r"\*\*x\*\*|\[z\]\(|<b>w</b>|(?<!\\)# y")
KATALOG = "pages/katalog.py"
START = "pages/start.py"
DOWNLOADS = "pages/downloads.py"

#: Element kinds whose body streamlit shows as plain text (no Markdown): raw text is right there.
_PLAIN = {"text", "code", "json", "exception", "dataframe", "arrow_data_frame", "table"}


def hostile_catalogue() -> str:
    """The shipped catalogue with every label, remark, description, hint and agreement text made hostile
    (numbered, because sibling labels must differ)."""
    data = yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    data["kompetenzklassen"] = [{"id": "frei", "label": "k"},
                                {"id": "wahl", "label": "k", "auswahl": [{"id": "wahl_a", "label": "k"}]}]
    counter = iter(range(1, 10_000))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("label", "bemerkung", "beschreibung", "text", "titel", "kurzname", "rechtsgrundlage"):
                if isinstance(node.get(key), str):
                    node[key] = f"{HOSTILE} {next(counter)}"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def bodies(at: AppTest) -> list[tuple[str, str, str]]:
    """(element kind, field, text) of every text a page shows that streamlit would read as Markdown."""
    found: list[tuple[str, str, str]] = []
    pending = [at._tree]
    while pending:
        node = pending.pop()
        pending += list(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is None or kind in _PLAIN:
            continue
        fields = proto.DESCRIPTOR.fields_by_name
        for field in ("body", "label", "help", "placeholder"):
            value = getattr(proto, field) if field in fields else None
            if isinstance(value, str) and value:
                found.append((kind, field, value))
        for block in ("expandable", "tab"):  # expander and tab titles
            label = getattr(getattr(proto, block), "label", "") if block in fields else ""
            if label:
                found.append((block, "label", label))
    return found


def raw_and_escaped(at: AppTest, page: str) -> tuple[list[tuple[str, str, str, str]], int]:
    """The bodies of the page that carry hostile markup raw, and how many show it escaped."""
    assert not at.exception, (page, at.exception)
    shown = bodies(at)
    raw = [(page, kind, field, text) for kind, field, text in shown if RAW_MARKUP.search(text)]
    return raw, sum(1 for _, _, text in shown if r"\*\*x\*\*" in text)


def replace(record: Any, **fields: Any) -> Any:
    return record.model_copy(update=fields)


@pytest.fixture
def world(store: Store, caseworker: User) -> dict[str, Any]:
    trainer = store.add(make_user(role=Role.TRAINER, team=""), actor=make_user(role=Role.KDN))
    publish_catalogue(store, hostile_catalogue(), note="feindliche Bezeichnungen", actor=trainer)
    client = store.add(make_client(team="Team 1", vorname=HOSTILE, nachname=HOSTILE), actor=caseworker)
    profiling = start_profiling(store, client.id, actor=caseworker)
    bedarf = "berufliche_qualifikation"
    profiling = save_profiling(store, replace(
        profiling, zielberuf=HOSTILE, kompetenzklassen={"frei": [HOSTILE, HOSTILE + " 2"], "wahl": ["wahl_a"]},
        handlungsbedarfe={bedarf: BedarfEintrag(relevant=True, bemerkungen=HOSTILE)},
        integrationsprognose="marktnah", integrationsziel=HOSTILE, einverstaendnis=True,
        einverstaendnis_datum=today(), strategien={bedarf: ["berufsabschluss_erwerben"]},
        uebergreifend=["mitwirkung_ueberpruefen"]), actor=caseworker)
    closed = close_profiling(store, profiling.id, revision=profiling.revision, actor=caseworker)
    egv = draft_egv(store, closed.id, actor=caseworker)
    egv = save_egv(store, replace(egv, teilschritte=HOSTILE, leistungen_jobcenter=HOSTILE,
                                  bemuehungen_kunde=HOSTILE, ueberpruefung_am=today() + timedelta(days=30)),
                   actor=caseworker)
    talk = new_folgegespraech(store, client.id, actor=caseworker)
    talk = record_folgegespraech(store, replace(
        talk, anliegen=HOSTILE, aktivitaeten={k: AktivitaetEintrag(erledigt=True, notiz=HOSTILE)
                                              for k in talk.aktivitaeten}), actor=caseworker)
    opened = clone_profiling(store, closed.id, actor=caseworker)
    start_draft(store, actor=trainer)
    return {"trainer": trainer, "client": client, "closed": closed, "open": opened}


def test_every_page_shows_catalogue_and_user_text_literally(app: AppTest, world: dict[str, Any]) -> None:
    at = app
    at.switch_page(KUNDEN).run()
    button(at, "Auswählen").click().run()
    raw: list[tuple[str, str, str, str]] = []
    escaped = 0
    for profiling in (world["closed"], world["open"]):
        at.switch_page(KUNDEN).run()
        at.button(key=f"history-{profiling.id}").click().run()
        assert at.session_state["profiling_id"] == profiling.id
        for page in (START, KUNDEN, PROFILING, ZIEL, STRATEGIEN, EGV, FOLGE, DOWNLOADS):
            at.switch_page(page).run()
            found, count = raw_and_escaped(at, page)
            raw += found
            escaped += count
    at.session_state["user"] = world["trainer"]
    at.switch_page(KATALOG).run()
    found, count = raw_and_escaped(at, KATALOG)
    raw += found
    escaped += count
    assert not raw, "Markdown/HTML of catalogue or user text reaches the screen raw:\n" + "\n".join(map(str, raw))
    assert escaped > 50  # the hostile texts were shown, escaped
