"""The one place where generated form models meet streamlit-pydantic (see README, "Forms").

`model_input` renders a generated model prefilled from a value and returns the current input as a model
instance on every rerun, without a submit button, so nothing typed is lost when the page reruns. It uses
`streamlit_pydantic.pydantic_input` because values in a `pydantic_form` are dropped on rerun until submitted.
streamlit-pydantic silently returns the default for a field type it cannot render, so such models are refused
before rendering (schemas.forms.unrenderable_fields), and a field missing from the result is an error too.
Titles and descriptions come from the catalogue; streamlit-pydantic shows them as Markdown (subheaders, labels,
help), so the schema it reads has them escaped (`markdown_literal`): a label is shown exactly as written.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import streamlit as st
import streamlit_pydantic as sp
from pydantic import ValidationError

from schemas.forms import FormModel, unrenderable_fields
from services.safety import markdown_literal


class FormRoundTripError(RuntimeError):
    """A generated model field that streamlit-pydantic did not render: its value would be lost."""


def model_input(key: str, value: FormModel) -> FormModel:
    """Render `value`'s model with widgets keyed by `key`; return what the user entered now."""
    model = type(value)
    if bad := unrenderable_fields(model):
        raise FormRoundTripError(f"Feldtypen, die streamlit-pydantic nicht darstellt: {', '.join(bad)}")
    data = sp.pydantic_input(key=key, model=_literal_model(model).model_construct(**dict(value)))
    # streamlit-pydantic keeps a copy of the input under "<key>-data" for list and dict fields, which generated
    # models do not have; the widgets keep their own state. Every session-state key makes each text widget of
    # every later rerun slower (Streamlit copies the whole session state per text widget), so it is dropped.
    st.session_state.pop(f"{key}-data", None)
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


@lru_cache(maxsize=512)
def _literal_model(model: type[FormModel]) -> type[FormModel]:
    """`model` whose JSON schema (what streamlit-pydantic renders) has every title and description escaped.

    The escaped schema is made once per model and arguments (streamlit-pydantic asks on every rerun) and handed
    out as a fresh copy, because streamlit-pydantic writes into it; the cache dies with the model class."""
    escaped: dict[tuple, str] = {}

    class Literal(model):  # type: ignore[valid-type, misc]
        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            key = (args, tuple(sorted(kwargs.items())))
            if key not in escaped:
                escaped[key] = json.dumps(_escaped(model.model_json_schema(*args, **kwargs)))
            return json.loads(escaped[key])

    return Literal


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
