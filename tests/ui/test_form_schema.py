"""The schema streamlit-pydantic renders from is made once per model; a render never changes it for the next."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from schemas.catalogue import SHIPPED_CATALOGUE
from tests.ui.test_generated_forms import filled


def _render_twice() -> None:
    """A filled Handlungsfeld form, then the same model empty under another key; both results kept."""
    import streamlit as st

    from pages.forms import model_input
    from tests.ui.test_generated_forms import filled, model_of

    model = st.session_state["model"] = model_of(st.session_state["catalogue"], "rahmenbedingungen")
    st.session_state["first"] = model_input("erste", filled(model))
    st.session_state["second"] = model_input("zweite", model())


def test_a_second_render_of_a_model_gets_the_schema_untouched_by_the_first():
    from pages.forms import _escaped, _literal_schema

    at = AppTest.from_function(_render_twice, default_timeout=30)
    at.session_state["catalogue"] = SHIPPED_CATALOGUE
    at.run()

    assert not at.exception
    model = at.session_state["model"]
    assert at.session_state["first"] == filled(model)
    assert at.session_state["second"] == model()  # no value of the first render carried over
    assert [t.value for t in at.text_area][len(at.text_area) // 2:] == [""] * (len(at.text_area) // 2)
    assert _literal_schema(model) == _escaped(model.model_json_schema(by_alias=True))
