"""The generated models' JSON schema is made once per model and handed out as an independent copy."""

from __future__ import annotations

from pydantic import BaseModel

from schemas.catalogue import SHIPPED_CATALOGUE, load_catalogue
from schemas.forms import generate_models


def test_a_generated_models_json_schema_is_generated_once_and_each_caller_gets_its_own_copy(monkeypatch):
    model = next(iter(generate_models(load_catalogue(SHIPPED_CATALOGUE)).handlungsfelder.values()))
    generated = []
    original = BaseModel.model_json_schema.__func__

    def counting(cls, *args, **kwargs):
        generated.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(BaseModel, "model_json_schema", classmethod(counting))
    first = model.model_json_schema(by_alias=True)
    first["properties"].clear()  # streamlit-pydantic writes into the schema it gets
    second = model.model_json_schema(by_alias=True)

    assert generated == [model]
    assert second == original(model, by_alias=True) and second["properties"]
    model.model_json_schema(by_alias=False)
    assert generated == [model, model]  # other arguments, another schema
