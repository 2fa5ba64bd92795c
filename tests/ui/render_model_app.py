"""Test app: render one generated form model through pages.forms.model_input and keep the result.

The test puts `catalogue_path`, `model_name` and `value_json` into session_state; the app renders the model
prefilled with that value and stores what the form returns in `result_json`.
"""

import streamlit as st

from pages.forms import model_input
from schemas.catalogue import load_catalogue
from schemas.forms import (
    Basisprofil,
    FoerderCheckEingabe,
    Integrationsziel,
    generate_models,
    strategien_model,
)

catalogue = load_catalogue(st.session_state["catalogue_path"])
models = generate_models(catalogue)
name = st.session_state["model_name"]
static = {"Basisprofil": Basisprofil, "Integrationsziel": Integrationsziel, "FoerderCheck": FoerderCheckEingabe}
if name in static:
    model = static[name]
elif name == "Uebergreifend":
    model = models.uebergreifend
elif name == "Einschaetzung":
    model = models.einschaetzung
elif name.startswith("Strategien_"):
    feld = next(f for f in catalogue.handlungsfelder if f.id == name.removeprefix("Strategien_"))
    model = strategien_model(models, catalogue, [b.id for b in feld.handlungsbedarfe])
else:
    model = models.handlungsfelder[name]
value = model.model_validate_json(st.session_state["value_json"])
st.session_state["result_json"] = model_input(f"test-{name}", value).model_dump_json()
