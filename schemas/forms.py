"""Pydantic models for the profiling forms, generated at run time from one catalogue version.

One model per Handlungsfeld (per Handlungsbedarf: relevant + Bemerkungen), one strategy model per
Handlungsfeld (per relevant Handlungsbedarf: a set of its strategies), one for Übergreifend and one for
Integrationsprognose / Profillage. Fields are named by the entries' stable ids and titled by their labels.
The models use only field types that streamlit-pydantic renders (str, multi-line str, bool, Enum,
Set[Enum], nested models) — `Optional[...]` and lists of strings are avoided on purpose (see README).
Choices are Enums whose member *names* are catalogue ids and whose *values* are the labels shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Any, get_args, get_origin
from weakref import WeakKeyDictionary

from pydantic import BaseModel, ConfigDict, Field, create_model

from schemas.catalogue import Catalogue, Entry, Handlungsfeld

#: Enum member name meaning "nothing chosen" for single choices (Optional does not render).
NONE = "keine_angabe"
NONE_LABEL = "– keine Angabe –"

_MULTILINE = {"format": "multi-line"}
#: German placeholder of a multiple choice (streamlit-pydantic passes `st_kwargs_*` on to the widget).
_CHOOSE = {"st_kwargs_placeholder": "Bitte auswählen …"}


class FormModel(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=(), use_enum_values=False)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Pydantic's JSON schema, generated once per model and arguments, returned as a fresh copy.

        streamlit-pydantic regenerates a model's schema several times per rerun (about a fifth of the profiling
        page's rerun) and writes into the returned dict (`init_value`, titles), so each call gets its own copy.
        A model class is made once per catalogue version (services/catalogue.py), so the cache stays small, and
        it dies with its class.
        """
        per_class = _SCHEMAS.setdefault(cls, {})
        key = (args, tuple(sorted(kwargs.items())))
        if key not in per_class:
            per_class[key] = json.dumps(super().model_json_schema(*args, **kwargs))
        return json.loads(per_class[key])


#: Generated model → (arguments → its JSON schema as text); see FormModel.model_json_schema.
_SCHEMAS: WeakKeyDictionary[type[FormModel], dict[tuple, str]] = WeakKeyDictionary()


class BedarfEingabe(FormModel):
    """Input for one Handlungsbedarf in phase 1."""

    relevant: bool = Field(False, title="relevant", description="Steht einer nachhaltigen Integration im Weg")
    bemerkungen: str = Field("", title="Bemerkungen", json_schema_extra=_MULTILINE)


class Basisprofil(FormModel):
    """Zielberuf and Kompetenzen (one per line): together the Basisprofil."""

    zielberuf: str = Field("", title="Zielberuf", max_length=200)
    kompetenzen: str = Field(
        "", title="Kompetenzen (eine je Zeile)", json_schema_extra=_MULTILINE, max_length=5000
    )


class Integrationsziel(FormModel):
    integrationsziel: str = Field("", title="Integrationsziel", json_schema_extra=_MULTILINE, max_length=5000)


class FoerderCheckEingabe(FormModel):
    """The Förder-Check for a planned funded measure: passgenau – erfolgswahrscheinlich – wirtschaftlich."""

    massnahme: str = Field("", title="Geplante Förderleistung / Maßnahme", max_length=300)
    passgenau: bool = Field(False, title="passgenau")
    erfolgswahrscheinlich: bool = Field(False, title="erfolgswahrscheinlich")
    wirtschaftlich: bool = Field(False, title="wirtschaftlich")
    begruendung: str = Field("", title="Begründung", json_schema_extra=_MULTILINE, max_length=5000)


def basisprofil_model(catalogue: Catalogue, keep: frozenset[str] = frozenset()) -> type[FormModel]:
    """The Basisprofil form: Zielberuf, and Kompetenzen as one free-text list, or one field per Kompetenzklasse of
    the catalogue (free text one per line, or a multiple choice where the class gives `auswahl`)."""
    if not catalogue.kompetenzklassen:
        return Basisprofil
    fields: dict[str, Any] = {"zielberuf": (str, Field("", title="Zielberuf", max_length=200))}
    for klasse in _offered(catalogue.kompetenzklassen, keep):
        if klasse.auswahl:
            enum = _choice_enum(f"Kompetenzen_{klasse.id}", _offered(klasse.auswahl, keep))
            fields[klasse.id] = (set[enum], Field(default_factory=set, title=klasse.label,
                                                  description=klasse.beschreibung or None, json_schema_extra=_CHOOSE))
        else:
            fields[klasse.id] = (str, Field("", title=f"{klasse.label} (eine je Zeile)", max_length=5000,
                                            description=klasse.beschreibung or None, json_schema_extra=_MULTILINE))
    return create_model("Basisprofil_Kompetenzklassen", __base__=FormModel, **fields)


def basisprofil_input(model: type[FormModel], zielberuf: str, kompetenzen: list[str],
                      klassen: dict[str, list[str]]) -> FormModel:
    """The Basisprofil form value of a profiling (`klassen`: class id → free texts or chosen option ids)."""
    if model is Basisprofil:
        return Basisprofil(zielberuf=zielberuf, kompetenzen="\n".join(kompetenzen))
    values: dict[str, Any] = {"zielberuf": zielberuf}
    for name, field in model.model_fields.items():
        if name == "zielberuf":
            continue
        if get_origin(field.annotation) is set:
            enum = get_args(field.annotation)[0]
            values[name] = {enum[i] for i in klassen.get(name, []) if i in enum.__members__}
        else:
            values[name] = "\n".join(klassen.get(name, []))
    return model.model_validate(values)


def basisprofil_output(value: FormModel) -> tuple[str, list[str], dict[str, list[str]]]:
    """(Zielberuf, Kompetenzen as one list, Kompetenzen by class) from a Basisprofil form value."""
    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    if isinstance(value, Basisprofil):
        return value.zielberuf, lines(value.kompetenzen), {}
    klassen = {name: _ids(v) if isinstance(v, set) else lines(v)
               for name, v in value if name != "zielberuf"}
    return value.zielberuf, [], klassen


def unrenderable_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Fields of `model` (recursively) whose type streamlit-pydantic 0.6.1rc3 does not render faithfully.

    It renders str, bool, int, date, Enum, set[Enum] and nested models; for anything else (Optional,
    lists, dicts …) a prefilled form silently returns the default, so such fields are refused up front.
    """
    bad: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            bad += unrenderable_fields(annotation, f"{prefix}{name}.")
        elif annotation in (str, bool, int, date) or (isinstance(annotation, type) and issubclass(annotation, Enum)) or get_origin(annotation) is set and all(
            isinstance(arg, type) and issubclass(arg, Enum) for arg in get_args(annotation)
        ):
            continue
        else:
            bad.append(f"{prefix}{name}")
    return bad


@dataclass(frozen=True)
class ProfilingModels:
    """All generated models of one catalogue version."""

    version: int
    handlungsfelder: dict[str, type[FormModel]]  # Handlungsfeld id → model (fields: Bedarf ids)
    uebergreifend: type[FormModel]  # field `strategien`: Set[Enum]
    einschaetzung: type[FormModel]  # fields `integrationsprognose`, `profillage`: Enum
    strategie_enums: dict[str, type[Enum]]  # Handlungsbedarf id → Enum of its strategies (none: profiling only)
    basisprofil: type[FormModel] = Basisprofil  # Zielberuf + Kompetenzen (by the catalogue's Kompetenzklassen)


def _offered(entries: list[Entry], keep: frozenset[str]) -> list[Entry]:
    """Entries offered in a form: all but the retired ones, unless the record already uses them."""
    return [e for e in entries if not e.ausgesondert or e.id in keep]


def _choice_enum(name: str, entries: list[Entry], *, with_none: bool = False) -> type[Enum]:
    members = ([(NONE, NONE_LABEL)] if with_none else []) + [(e.id, e.label) for e in entries]
    return Enum(name, members, type=str)


def generate_models(catalogue: Catalogue, keep: frozenset[str] = frozenset()) -> ProfilingModels:
    """Build every form model of `catalogue`; retired entries only where their id is in `keep`."""
    felder = {
        feld.id: handlungsfeld_model(feld, keep)
        for feld in catalogue.handlungsfelder
        if not feld.ausgesondert or feld.id in keep
    }
    strategie_enums = {
        bedarf.id: _choice_enum(f"Strategien_{bedarf.id}", _offered(bedarf.handlungsstrategien, keep))
        for _, bedarf in catalogue.bedarfe()
    }
    ueber = _choice_enum("Uebergreifend", _offered(catalogue.uebergreifend.handlungsstrategien, keep))
    uebergreifend = create_model(
        "Uebergreifend",
        __base__=FormModel,
        __doc__=catalogue.uebergreifend.bemerkung,
        strategien=(set[ueber], Field(default_factory=set, title=catalogue.uebergreifend.label,
                                      json_schema_extra=_CHOOSE)),
    )
    einschaetzung_fields: dict[str, Any] = {}
    for name, gruppe in (("integrationsprognose", catalogue.integrationsprognose),
                         ("profillage", catalogue.profillagen)):
        if gruppe.vorhanden:  # a group the catalogue leaves out has no field
            enum = _choice_enum(f"Einschaetzung_{name}", _offered(gruppe.optionen, keep), with_none=True)
            einschaetzung_fields[name] = (enum, Field(enum[NONE], title=gruppe.label,
                                                      description=gruppe.bemerkung or None))
    einschaetzung = create_model("Einschaetzung", __base__=FormModel, **einschaetzung_fields)
    return ProfilingModels(catalogue.version, felder, uebergreifend, einschaetzung, strategie_enums,
                           basisprofil_model(catalogue, keep))


def handlungsfeld_model(feld: Handlungsfeld, keep: frozenset[str] = frozenset()) -> type[FormModel]:
    """The phase-1 model of one Handlungsfeld: one nested BedarfEingabe per Handlungsbedarf."""
    fields: dict[str, Any] = {
        bedarf.id: (BedarfEingabe, Field(default_factory=BedarfEingabe, title=bedarf.label,
                                         description=bedarf.beschreibung or None))
        for bedarf in _offered(feld.handlungsbedarfe, keep)
    }
    return create_model(f"Handlungsfeld_{feld.id}", __base__=FormModel, __doc__=feld.label, **fields)


def strategien_model(
    models: ProfilingModels, catalogue: Catalogue, bedarf_ids: list[str]
) -> type[FormModel]:
    """The phase-3 model for the given (relevant) Handlungsbedarfe: a set of strategies each."""
    fields: dict[str, Any] = {
        bedarf_id: (set[models.strategie_enums[bedarf_id]],
                    Field(default_factory=set, title=catalogue.bedarf(bedarf_id).label, json_schema_extra=_CHOOSE))
        for bedarf_id in bedarf_ids
    }
    return create_model("Strategien", __base__=FormModel, **fields)


# --- record ⇄ form model ------------------------------------------------------------------------
# Services call these to fill a form from a stored profiling and to take the input back; the stored
# record keeps ids only, so a renamed label never orphans a record.


def feld_input(models: ProfilingModels, feld_id: str, handlungsbedarfe: dict[str, Any]) -> FormModel:
    """The phase-1 form value of one Handlungsfeld from a profiling's `handlungsbedarfe` (by Bedarf id)."""
    model = models.handlungsfelder[feld_id]
    values = {bid: _dump(handlungsbedarfe[bid]) for bid in model.model_fields if bid in handlungsbedarfe}
    return model.model_validate(values)


def feld_output(value: FormModel) -> dict[str, dict[str, Any]]:
    """Bedarf id → {"relevant", "bemerkungen"} from a phase-1 form value."""
    return {bid: getattr(value, bid).model_dump() for bid in type(value).model_fields}


@dataclass(frozen=True)
class BedarfForm:
    """The phase-1 input of one Handlungsbedarf in two small models: the checkbox (titled by the Bedarf's label)
    and its Bemerkungen, which the page shows only while the Bedarf is marked relevant."""

    id: str
    label: str
    relevant: type[FormModel]  # field `relevant`: bool
    bemerkungen: type[FormModel]  # field `bemerkungen`: multi-line str


@cache
def bedarf_forms(feld_model: type[FormModel]) -> tuple[BedarfForm, ...]:
    """Per Handlungsbedarf of a phase-1 Handlungsfeld model (generate_models), in catalogue order."""
    forms = []
    for bid, field in feld_model.model_fields.items():
        hint = "Markieren, wenn dieser Handlungsbedarf einer nachhaltigen Integration im Weg steht."
        relevant = create_model(
            f"Relevant_{bid}", __base__=FormModel,
            relevant=(bool, Field(False, title=field.title,
                                  description=f"{field.description} – {hint}" if field.description else hint)),
        )
        bemerkungen = create_model(
            f"Bemerkungen_{bid}", __base__=FormModel,
            bemerkungen=(str, Field("", title=f"Bemerkungen zu „{field.title}“", json_schema_extra=_MULTILINE)),
        )
        forms.append(BedarfForm(bid, field.title or bid, relevant, bemerkungen))
    return tuple(forms)


def einschaetzung_input(models: ProfilingModels, prognose: str | None, profillage: str | None) -> FormModel:
    model = models.einschaetzung
    chosen = {"integrationsprognose": prognose, "profillage": profillage}
    return model(**{name: _member(field.annotation, chosen[name]) for name, field in model.model_fields.items()})


def einschaetzung_output(value: FormModel) -> tuple[str | None, str | None]:
    """(Integrationsprognose id, Profillage id), None where nothing is chosen or the catalogue has no such group."""
    return tuple(_id_or_none(getattr(value, name)) if name in type(value).model_fields else None  # type: ignore[return-value]
                 for name in ("integrationsprognose", "profillage"))


def strategien_input(model: type[FormModel], models: ProfilingModels, strategien: dict[str, list[str]]) -> FormModel:
    values = {
        bid: {models.strategie_enums[bid][sid] for sid in strategien.get(bid, [])
              if sid in models.strategie_enums[bid].__members__}
        for bid in model.model_fields
    }
    return model.model_validate(values)


def strategien_output(value: FormModel) -> dict[str, list[str]]:
    """Bedarf id → chosen strategy ids, in catalogue order."""
    return {bid: _ids(getattr(value, bid)) for bid in type(value).model_fields}


def uebergreifend_input(models: ProfilingModels, chosen: list[str]) -> FormModel:
    enum = models.uebergreifend.model_fields["strategien"].annotation.__args__[0]
    return models.uebergreifend(strategien={enum[s] for s in chosen if s in enum.__members__})


def uebergreifend_output(value: FormModel) -> list[str]:
    return _ids(value.strategien)


def _dump(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


def _member(enum: type[Enum], entry_id: str | None) -> Enum:
    return enum[entry_id] if entry_id and entry_id in enum.__members__ else enum[NONE]


def _id_or_none(member: Enum) -> str | None:
    return None if member.name == NONE else member.name


def _ids(members: set[Enum]) -> list[str]:
    order = {name: i for i, name in enumerate(type(next(iter(members))).__members__)} if members else {}
    return sorted((m.name for m in members), key=order.__getitem__)
