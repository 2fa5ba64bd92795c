"""The one place where generated form models meet streamlit-pydantic (see README, "Forms").

`model_input` renders a generated model prefilled from a value and returns the current input as a model
instance on every rerun, without a submit button, so nothing typed is lost when the page reruns. It renders as
`streamlit_pydantic.pydantic_input` does (its renderer, with its per-model state kept out of the session: see
`_InputState`), because values in a `pydantic_form` are dropped on rerun until submitted.
streamlit-pydantic silently returns the default for a field type it cannot render, so such models are refused
before rendering (schemas.forms.unrenderable_fields), and a field missing from the result is an error too.
Titles and descriptions come from the catalogue; streamlit-pydantic shows them as Markdown (subheaders, labels,
help), so the schema it reads has them escaped (`markdown_literal`): a label is shown exactly as written.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any

import streamlit as st
from pydantic import BaseModel, ValidationError
from streamlit_pydantic.ui_renderer import InputUI

from pages.widget_state import session_keys
from schemas.forms import FormModel, unrenderable_fields
from services.safety import markdown_literal


class FormRoundTripError(RuntimeError):
    """A generated model field that streamlit-pydantic did not render: its value would be lost."""


def model_input(key: str, value: FormModel) -> FormModel:
    """Render `value`'s model with widgets keyed by `key`; return what the user entered now."""
    model = type(value)
    data = _Renderer(key, value, _writable_copy(_literal_schema(model))).render_ui()
    missing = set(model.model_fields) - set(data)
    if missing:
        raise FormRoundTripError(f"Felder nicht dargestellt: {', '.join(sorted(missing))}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            st.error(f"Eingabe bei „{field}“ ungültig: {_german(error)}")
        return value


def held_widgets() -> frozenset[str]:
    """The session's keys now, for many `held_input` calls in one run (one look-up in `st.session_state` costs
    about as much as reading all keys without their values)."""
    return session_keys()


def held_input(key: str, model: type[FormModel], *, held_in: Collection[str] | None = None,
               **current: Any) -> FormModel | None:
    """`model` with what the widgets of `model_input(key, model(**current))` hold in the session over `current`,
    validated like `model_input` does; None (and no model built) when they hold nothing: never rendered, or dropped
    by Streamlit after a run that did not render them.

    A page that renders only part of its forms (the profiling page: the open Handlungsfeld tab) reads the rest from
    here, so an input that reached the server in the same run as a click elsewhere is not lost. Raises pydantic's
    ValidationError for a refused value: the caller renders that form so `model_input` shows the message there.
    `held_in`: the session's keys (`held_widgets`), when many forms are read in one run."""
    keys = st.session_state if held_in is None else held_in
    held = {name: st.session_state[widget] for name in model.model_fields
            if (widget := _widget_key(key, name)) in keys}
    return model.model_validate({**current, **held}) if held else None


def _widget_key(key: str, field: str) -> str:
    """The session key of a field's widget: streamlit-pydantic's "<run id>-<key>-<field>" (`_Renderer`)."""
    return f"{_InputState.run_id}-{key}-{field}"


class _InputState(dict):
    """What streamlit-pydantic keeps per rendered model, held for one call instead of in `st.session_state`: its
    run counter (always 0, part of every widget key) and its copy of the input ("<key>-data", needed for list
    and dict fields only, which generated models do not have); a widget's value is read from the session.

    Streamlit copies the whole session state for every text widget, so each key kept there for every model
    (about 30 on the profiling page) slowed every rerun."""

    run_id = 0

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key, st.session_state.get(key, default))


class _Renderer(InputUI):
    """streamlit-pydantic's `pydantic_input` renderer (its defaults) with its state held by `_InputState`.

    It sets the attributes `InputUI.__init__` sets (tests/ui/test_generated_forms.py fails with a clear message
    when a new streamlit-pydantic version sets others) and renders exactly as `streamlit_pydantic.pydantic_input` does."""

    def __init__(self, key: str, model: BaseModel, schema: dict[str, Any]) -> None:
        self._key = key
        self._return_model = False
        self._session_input_key = f"{key}-data"
        self._session_state = _InputState({self._session_input_key: {}})
        self._lowercase_labels = False
        self._group_optional_fields = "no"
        self._streamlit_container = st
        self._ignore_empty_values = False
        self._type_adapter = None
        self._input_schema = schema  # what `model.model_json_schema(by_alias=True)` gives, escaped
        self._input_class = model
        self._schema_properties = self._input_schema.get("properties", {})
        self._schema_references = self._input_schema.get("$defs", {})
        self._schema_required = self._input_schema.get("required", {})


@lru_cache(maxsize=512)
def _literal_schema(model: type[FormModel]) -> dict[str, Any]:
    """`model`'s JSON schema as streamlit-pydantic reads it (`model_json_schema(by_alias=True)`) with every title
    and description escaped; made once per model (forms render on every rerun). Not to be changed: each render
    gets a `_writable_copy`. Raises FormRoundTripError (not cached) for a model with a field type
    streamlit-pydantic cannot render."""
    if bad := unrenderable_fields(model):
        raise FormRoundTripError(f"Feldtypen, die streamlit-pydantic nicht darstellt: {', '.join(bad)}")
    return _escaped(model.model_json_schema(by_alias=True))


def _writable_copy(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` for one render. streamlit-pydantic writes into the schema's dicts only (a property's
    "title", "init_value" and "instance_class"; for a nested model its definition's "init_value", "default" and
    "readOnly" and its properties' values), never into a list, so every dict is copied and every list shared."""
    return {k: _writable_copy(v) if type(v) is dict else v for k, v in schema.items()}


def _escaped(node: Any, *, names: bool = False) -> Any:
    """A copy of a JSON schema with titles and descriptions escaped; `names`: the keys are field or
    definition names (under "properties" / "$defs"), never escaped."""
    if isinstance(node, dict):
        return {k: markdown_literal(v) if not names and k in ("title", "description") and isinstance(v, str)
                else _escaped(v, names=not names and k in ("properties", "$defs")) for k, v in node.items()}
    if isinstance(node, list):
        return [_escaped(item) for item in node]
    return node


def _german(error: dict) -> str:
    if error["type"] == "string_too_long":
        return f"höchstens {error['ctx']['max_length']} Zeichen."
    return "bitte prüfen."
