"""Kundensteuerung: the aggregated report for Fachaufsicht and KDN-Fachbetreuung — charts, tables, CSV downloads."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from dates import add_months, format_date
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from services.akte import ended_by_reason
from services.reports import Tabelle, compile_report, list_report_teams

ALLE_TEAMS = "Alle Teams"


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    st.title("Kundensteuerung")
    st.caption("Zusammengefasste Zahlen für die Fachaufsicht – ohne Namen und ohne Freitexte aus Kundendaten.")
    teams = list_report_teams(store, actor=user)
    heute = w.today()
    cols = st.columns(3)
    von = cols[0].date_input("Zeitraum von", value=add_months(heute.replace(day=1), -11), format="DD.MM.YYYY",
                             min_value=date(2000, 1, 1), max_value=date(2100, 12, 31), key="bericht-von")
    bis = cols[1].date_input("bis", value=heute, format="DD.MM.YYYY", min_value=date(2000, 1, 1),
                             max_value=date(2100, 12, 31), key="bericht-bis")
    team = cols[2].selectbox("Team", [ALLE_TEAMS, *teams], key="bericht-team")
    report = compile_report(store, von=von, bis=bis, team=None if team == ALLE_TEAMS else team, actor=user)
    st.caption(f"Zeitraum {format_date(report.von)} – {format_date(report.bis)} · "
               f"{report.team or ALLE_TEAMS} · Bestand am {format_date(report.stichtag)}")
    for tabelle in report.tabellen:
        _section(tabelle, f"{report.von:%Y%m%d}-{report.bis:%Y%m%d}")
    _abmeldungen(store, user, None if team == ALLE_TEAMS else team)


def _abmeldungen(store, user, team: str | None) -> None:
    """Ended cases by Abmeldegrund (issue 14): all ended cases still stored, of the team filter."""
    st.subheader("Abgemeldete Fälle nach Abmeldegrund")
    counts = ended_by_reason(store, team=team, actor=user)
    if not counts:
        st.caption("Keine abgemeldeten Fälle gespeichert.")
        return
    st.dataframe([{"Abmeldegrund": grund, "Fälle": n} for grund, n in counts.items()], hide_index=True)


def _section(tabelle: Tabelle, zeitraum: str) -> None:
    st.subheader(tabelle.titel)
    if tabelle.hinweis:
        st.caption(tabelle.hinweis)
    frame = pd.DataFrame(tabelle.zeilen, columns=tabelle.spalten)
    if frame.empty:
        st.info("Für diese Auswahl gibt es keine Einträge.")
    else:
        left, right = st.columns(2)
        if tabelle.diagramm is not None:
            chart, height = _chart(frame, tabelle)
            left.altair_chart(chart, width="stretch", height=height)
        right.dataframe(frame, hide_index=True, width="stretch")
    st.download_button("CSV herunterladen", data=tabelle.csv().encode("utf-8-sig"),
                       file_name=f"kundensteuerung_{tabelle.key}_{zeitraum}.csv", mime="text/csv",
                       key=f"csv-{tabelle.key}", icon=":material/download:")


def _chart(frame: pd.DataFrame, tabelle: Tabelle) -> tuple[alt.Chart, int]:
    """A bar chart of the table (horizontal for labelled categories, grouped columns per month) and its height."""
    spec = tabelle.diagramm
    assert spec is not None
    base = alt.Chart(frame).transform_fold(spec.y, as_=["Reihe", "Anzahl"])
    if spec.horizontal:
        if frame[spec.x].duplicated().any():  # the same label under two parents: tell the bars apart
            frame = frame.assign(**{spec.x: frame[spec.x] + " (" + frame[frame.columns[0]].astype(str) + ")"})
            base = alt.Chart(frame).transform_fold(spec.y, as_=["Reihe", "Anzahl"])
        order = list(dict.fromkeys(frame[spec.x]))
        height = max(200, 28 * len(order) + 70)
        return base.mark_bar().encode(
            y=alt.Y(f"{spec.x}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("sum(Anzahl):Q", title="Anzahl"),
            color=alt.Color("Reihe:N", legend=None if len(spec.y) == 1 else alt.Legend(title=None)),
            tooltip=[f"{spec.x}:N", alt.Tooltip("sum(Anzahl):Q", title="Anzahl")],
        ).properties(height=height - 70), height
    return base.mark_bar().encode(
        x=alt.X(f"{spec.x}:N", title=None),
        xOffset="Reihe:N",
        y=alt.Y("sum(Anzahl):Q", title="Anzahl"),
        color=alt.Color("Reihe:N", legend=alt.Legend(title=None, orient="bottom")),
        tooltip=[f"{spec.x}:N", "Reihe:N", alt.Tooltip("sum(Anzahl):Q", title="Anzahl")],
    ).properties(height=300), 340


run_page(render)
