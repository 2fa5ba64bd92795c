"""Vertretungen (KDN-Fachbetreuung): let an IFK stand in for another team for a period; current and past ones."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from errors import DomainError, InvalidInput
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.records import Role, User
from services.akte import known_teams
from services.users import list_users
from services.vertretung import end_vertretung, grant_vertretung, list_vertretungen
from storage.base import Store


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    st.title("Vertretungen")
    st.caption("Eine Integrationsfachkraft arbeitet für einen Zeitraum mit den Kundinnen und Kunden eines anderen "
               "Teams wie mit denen des eigenen; jede Änderung wird als „in Vertretung“ protokolliert. "
               "Nach dem Enddatum endet der Zugriff beim nächsten Klick.")  # fmt: skip
    _grant(store, user)
    _overview(store, user)


def _grant(store: Store, user: User) -> None:
    ifks = {u.username: u for u in list_users(store, actor=user) if u.role == Role.IFK and u.active}
    teams = known_teams(store)
    st.subheader("Neue Vertretung")
    with st.form("vertretung-neu"):
        vertreter = st.selectbox("Vertretung durch", list(ifks), index=None, placeholder="Fachkraft wählen",
                                 format_func=lambda n: f"{ifks[n].display_name} ({ifks[n].team})",
                                 key="vertretung-vertreter")  # fmt: skip
        w.field_slot("vertreter")
        team = st.selectbox("Vertretenes Team", teams, index=None, placeholder="Team wählen", key="vertretung-team")
        w.field_slot("team")
        cols = st.columns(2)
        von = cols[0].date_input("von", value=w.today(), format="DD.MM.YYYY", min_value=date(2000, 1, 1),
                                 key="vertretung-von")  # fmt: skip
        bis = cols[1].date_input("bis (einschließlich)", value=w.today() + timedelta(days=14), format="DD.MM.YYYY",
                                 min_value=date(2000, 1, 1), key="vertretung-bis")  # fmt: skip
        w.field_slot("von", "bis")
        grund = st.text_input("Grund", max_chars=200, placeholder="z. B. Urlaub, Krankheit", key="vertretung-grund")
        w.field_slot("grund")
        submitted = st.form_submit_button("Vertretung eintragen", type="primary")
    if submitted:
        try:
            if von is None or bis is None:
                raise InvalidInput("Bitte geben Sie Beginn und Ende der Vertretung an.", field="bis")
            granted = grant_vertretung(store, vertreter=vertreter or "", team=team or "", von=von, bis=bis,
                                       grund=grund, actor=user)  # fmt: skip
        except DomainError as err:
            w.report(err)
            return
        w.clear_field_error()
        w.flash(f"Vertretung für {granted.team} vom {w.fmt_date(granted.von)} bis {w.fmt_date(granted.bis)} "
                "eingetragen.")  # fmt: skip
        st.rerun()


def _overview(store: Store, user: User) -> None:
    st.subheader("Aktuelle, geplante und vergangene Vertretungen")
    rows = list_vertretungen(store, actor=user)
    if not rows:
        st.caption("Noch keine Vertretungen eingetragen.")
        return
    for row in rows:
        v = row.vertretung
        cols = st.columns([5, 2], vertical_alignment="center")
        cols[0].markdown(f"**{row.stand}** · {row.vertreter_name} vertritt {v.team} · "
                         f"{w.fmt_date(v.von)} – {w.fmt_date(v.bis)} · {v.grund}")  # fmt: skip
        if row.stand != "beendet" and cols[1].button("Beenden", key=f"vertretung-ende-{v.id}"):
            try:
                end_vertretung(store, v.id, revision=v.revision, actor=user)
            except DomainError as err:
                st.error(err.message)
                return
            w.flash("Die Vertretung wurde beendet; der Zugriff endet beim nächsten Klick.")
            st.rerun()


run_page(render)
