"""The Kundensteuerung page and the Wiedervorlage on the start page, driven through AppTest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dates import today
from schemas.records import Egv, Profiling, Role, User
from storage.base import Store
from tests.factories import make_client, make_egv, make_folgegespraech, make_profiling, make_user
from tests.ui.conftest import ROOT, TIMEOUT

BERICHTE = "pages/berichte.py"


def texts(at: AppTest) -> str:
    parts = [*(e.value for e in at.title), *(e.value for e in at.markdown), *(e.value for e in at.caption),
             *(e.value for e in at.info), *(e.value for e in at.error), *(e.value for e in at.subheader)]
    return "\n".join(str(p) for p in parts)


def signed_in(store: Store, monkeypatch: pytest.MonkeyPatch, role: Role, team: str = "") -> AppTest:
    user = store.add(make_user(role=role, team=team), actor=make_user(role=Role.KDN))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["user"] = user
    return at


@pytest.fixture
def cases(store: Store, caseworker: User) -> dict:
    """Team 1: a client with a closed marktnah profiling, a closed EGV past its review date and a Folgegespräch
    whose next appointment was yesterday; a client without anything due; Team 2: a client with a due EGV review."""
    heute = today()
    first = store.add(make_client(nachname="Frühauf", vorname="Frieda", team="Team 1"), actor=caseworker)
    quiet = store.add(make_client(nachname="Ruhig", vorname="Rita", team="Team 1"), actor=caseworker)
    other = store.add(make_client(nachname="Anders", vorname="Otto", team="Team 2"), actor=caseworker)
    profiling = store.add(make_profiling(first.id, relevant=["wohnsituation"], integrationsprognose="marktnah",
                                         strategien={"wohnsituation": ["wohnsituation_stabilisieren"]},
                                         zielberuf="Koch"), actor=caseworker)  # fmt: skip
    store.close(Profiling, profiling.id, revision=profiling.revision, actor=caseworker)
    egv = store.add(make_egv(first.id, profiling.id, ueberpruefung_am=heute - timedelta(days=3)), actor=caseworker)
    store.close(Egv, egv.id, revision=egv.revision, actor=caseworker)
    store.add(make_folgegespraech(first.id, datum=heute - timedelta(days=30),
                                  naechster_termin=heute - timedelta(days=1)), actor=caseworker)  # fmt: skip
    store.add(make_folgegespraech(quiet.id, datum=heute - timedelta(days=2),
                                  naechster_termin=heute + timedelta(days=60)), actor=caseworker)  # fmt: skip
    other_profiling = store.add(make_profiling(other.id, profillage="i"), actor=caseworker)
    store.close(Profiling, other_profiling.id, revision=other_profiling.revision, actor=caseworker)
    other_egv = store.add(make_egv(other.id, other_profiling.id, ueberpruefung_am=heute + timedelta(days=2)),
                          actor=caseworker)
    store.close(Egv, other_egv.id, revision=other_egv.revision, actor=caseworker)
    return {"first": first, "quiet": quiet, "other": other}


def test_report_page_renders_charts_tables_and_csv_for_the_fachaufsicht(store, cases, monkeypatch):
    at = signed_in(store, monkeypatch, Role.FACHAUFSICHT)
    at.run()
    at.switch_page(BERICHTE).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "Kundensteuerung" in shown
    for title in ("Kennzahlen", "Integrationsprognose und Profillage", "Handlungsbedarfe", "Handlungsstrategien",
                  "je Team und Monat", "fällig und geführt"):
        assert title in shown, title
    assert "Maßnahmen, Beschäftigungsaufnahmen und Einverständnis" in shown
    assert len(at.get("download_button")) == 7  # the six charted tables and the table of measures and job starts
    assert len(at.get("vega_lite_chart")) == 6
    kennzahlen = at.dataframe[0].value
    assert list(kennzahlen["Kundinnen und Kunden"]) == [3, 2, 1, 1]  # clients, closed profiling, valid, overdue
    assert "Frühauf" not in shown and "Frieda" not in shown  # no names in the report

    at.selectbox(key="bericht-team").select("Team 2").run()
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["Kundinnen und Kunden"]) == [1, 1, 1, 0]


def test_report_page_says_so_when_the_period_is_reversed(store, cases, monkeypatch):
    at = signed_in(store, monkeypatch, Role.FACHAUFSICHT)
    at.run()
    at.switch_page(BERICHTE).run()
    at.date_input(key="bericht-von").set_value(today() + timedelta(days=10)).run()
    assert not at.exception
    assert any("„von“ liegt nach „bis“" in e.value for e in at.error)


@pytest.mark.parametrize("role", [Role.IFK, Role.TRAINER])
def test_report_page_is_refused_for_caseworkers_and_trainers(store, cases, monkeypatch, role):
    at = signed_in(store, monkeypatch, role, team="Team 1")
    at.run()
    at.switch_page(BERICHTE).run()
    assert not at.exception
    assert any("„Kundensteuerung“ ist für Ihre Rolle" in e.value for e in at.error)
    assert not at.dataframe and not at.get("download_button")


def report_links(at: AppTest) -> list:
    return [link for link in at.get("page_link") if link.proto.page == "berichte"]


def test_fachaufsicht_start_page_links_to_the_report(store, monkeypatch):
    at = signed_in(store, monkeypatch, Role.FACHAUFSICHT)
    at.run()
    assert not at.exception and not at.error
    [link] = report_links(at)
    assert link.proto.label == "Kundensteuerung ansehen"
    assert link.proto.page_script_hash  # it points at a page of the app's navigation


def test_ifk_start_page_offers_no_report(store, caseworker, monkeypatch):
    at = signed_in(store, monkeypatch, Role.IFK, team="Team 1")
    at.run()
    assert not at.exception
    assert "Wiedervorlage" in texts(at)
    assert report_links(at) == []


def test_start_page_lists_the_teams_due_items_most_urgent_first_and_opens_the_client(app, cases):
    at = app.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Wiedervorlage" in shown
    rows = [m.value for m in at.markdown]
    first_name = next(i for i, v in enumerate(rows) if "Frühauf" in v)
    assert "Ruhig" not in shown and "Anders" not in shown  # nothing due / another team
    dates = [v for v in rows if v.startswith("**")]
    assert dates == [f"**{(today() - timedelta(days=3)):%d.%m.%Y}**", f"**{(today() - timedelta(days=1)):%d.%m.%Y}**"]
    assert "EGV-Überprüfung" in rows[first_name] and "überfällig" in rows[first_name]
    open_buttons = [b for b in at.button if b.label == "Öffnen"]
    assert len(open_buttons) == 2
    open_buttons[1].click().run()  # the Folgegespräch
    assert not at.exception, at.exception
    assert at.session_state["client_id"] == cases["first"].id
    assert "Folgegespräch" in texts(at)

