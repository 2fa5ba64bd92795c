"""Vierphasen entry point: page config, sign-in, and the navigation for the signed-in user's role."""

from __future__ import annotations

import streamlit as st

from pages.session import current_user
from schemas.records import Role

st.set_page_config(page_title="Vierphasen", page_icon="🧭", layout="wide")

START = st.Page("pages/start.py", title="Start", icon="🏠", default=True)
KUNDEN = st.Page("pages/kunden.py", title="Kunden", icon="👥")
PROFILING = st.Page("pages/profiling.py", title="1 Profiling", icon="📝")
ZIEL = st.Page("pages/ziel.py", title="2 Ziel", icon="🎯")
STRATEGIEN = st.Page("pages/strategien.py", title="3 Strategien", icon="🧩")
EGV = st.Page("pages/egv.py", title="4 EGV", icon="📄")
FOLGE = st.Page("pages/folgegespraech.py", title="Folgegespräch", icon="🔁")
KATALOG = st.Page("pages/katalog.py", title="Katalog", icon="📚")
LOGIN = st.Page("pages/login.py", title="Anmelden", icon="🔑")

CASEWORK = {"Fallarbeit": [KUNDEN, PROFILING, ZIEL, STRATEGIEN, EGV, FOLGE]}

#: The pages each role may use; pages check permissions again themselves (and services always do).
NAVIGATION: dict[Role, dict[str, list]] = {
    Role.IFK: {"": [START], **CASEWORK},
    Role.KDN: {"": [START], **CASEWORK, "Verwaltung": [KATALOG]},
    Role.TRAINER: {"": [START], "Katalog": [KATALOG]},
    Role.FACHAUFSICHT: {"": [START]},
}

user = current_user()
navigation = st.navigation(NAVIGATION[user.role] if user else [LOGIN])
navigation.run()
