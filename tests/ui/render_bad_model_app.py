"""Test app: a model with field types streamlit-pydantic cannot render must be refused by the wrapper."""

from typing import Optional

import streamlit as st
from pydantic import Field

from pages.forms import FormRoundTripError, model_input
from schemas.forms import FormModel


class Unrenderable(FormModel):
    names: list[str] = Field(default_factory=list)
    note: Optional[str] = None  # noqa: UP045 - the very type under test


try:
    model_input("bad", Unrenderable(names=["a", "b"], note="x"))
    st.session_state["result"] = "rendered"
except FormRoundTripError as exc:
    st.session_state["result"] = f"FormRoundTripError: {str(exc).split(': ', 1)[1]}"
