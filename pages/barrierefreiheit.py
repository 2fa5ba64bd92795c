"""Erklärung zur Barrierefreiheit: open to everyone, before and after sign-in (its text is installation data)."""

from __future__ import annotations

import streamlit as st

from pages.session import guarded
from services.barrierefreiheit import erklaerung


def render() -> None:
    st.title("Erklärung zur Barrierefreiheit")
    st.markdown(erklaerung())


with guarded():  # no sign-in needed: BITV 2.0 asks for the statement to be reachable from every page
    render()
