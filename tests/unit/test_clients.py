"""Client use cases: create with validation, search within the own team, open with a read audit."""

from __future__ import annotations

from datetime import date

import pytest

from dates import today
from errors import InvalidInput, NotFound, NotPermitted
from schemas.records import Client
from services import clients as clients_service
from services.clients import client_name, create_client, find_clients, open_client
from tests.factories import make_client


def born_years_ago(years: int) -> date:
    now = today()
    return now.replace(year=now.year - years, day=min(now.day, 28))


def create(store, actor, **fields) -> Client:
    defaults = {
        "kundennummer": "123d456789",
        "vorname": "Maria",
        "nachname": "Musterfrau",
        "geburtsdatum": date(1980, 3, 1),
    }
    return create_client(store, **(defaults | fields), actor=actor)


def test_ifk_creates_a_client_of_the_own_team_with_the_kundennummer_in_capitals(store, ifk):
    client = create(store, ifk, vorname="  Maria  Luisa ", nachname=" Musterfrau")

    assert client.revision == 1 and client.team == ifk.team
    assert client.kundennummer == "123D456789"
    assert (client.vorname, client.nachname) == ("Maria Luisa", "Musterfrau")
    assert store.get(Client, client.id) == client
    assert client_name(client) == "Musterfrau, Maria Luisa (123D456789)"


@pytest.mark.parametrize("nummer", ["", "12", "123-456", "123 456", "A" * 21, "Ä12345"])
def test_kundennummer_must_be_3_to_20_letters_or_digits(store, ifk, nummer):
    with pytest.raises(InvalidInput) as error:
        create(store, ifk, kundennummer=nummer)

    assert error.value.field == "kundennummer"


def test_kundennummer_is_unique_regardless_of_case(store, ifk):
    create(store, ifk, kundennummer="123D456789")

    with pytest.raises(InvalidInput) as error:
        create(store, ifk, kundennummer="123d456789", vorname="Other")

    assert error.value.field == "kundennummer"
    assert "bereits vergeben" in error.value.message
    assert len(find_clients(store, "", actor=ifk)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"vorname": "   "}, "vorname"),
        ({"nachname": ""}, "nachname"),
        ({"vorname": "x" * 101}, "vorname"),
        ({"nachname": "y" * 101}, "nachname"),
    ],
)
def test_names_are_required_and_at_most_100_characters(store, ifk, fields, field):
    with pytest.raises(InvalidInput) as error:
        create(store, ifk, **fields)

    assert error.value.field == field


@pytest.mark.parametrize(
    "birth", [date(2999, 1, 1), born_years_ago(13), born_years_ago(101)], ids=["future", "13", "101"]
)
def test_birth_date_must_be_plausible(store, ifk, birth):
    with pytest.raises(InvalidInput) as error:
        create(store, ifk, geburtsdatum=birth)

    assert error.value.field == "geburtsdatum"
    assert find_clients(store, "", actor=ifk) == []


@pytest.mark.parametrize("years", [14, 100])
def test_birth_date_at_the_age_limits_is_accepted(store, ifk, years):
    assert create(store, ifk, geburtsdatum=born_years_ago(years)).geburtsdatum == born_years_ago(years)


def test_ifk_cannot_create_a_client_for_another_team(store, ifk):
    with pytest.raises(InvalidInput) as error:
        create(store, ifk, team="Team 2")

    assert error.value.field == "team"


def test_kdn_creates_a_client_for_a_named_team_and_needs_one(store, kdn):
    with pytest.raises(InvalidInput) as error:
        create(store, kdn)
    assert error.value.field == "team"

    assert create(store, kdn, team="Team 2").team == "Team 2"


def test_ifk_finds_only_clients_of_the_own_team(store, ifk, ifk_other_team, kdn):
    own = store.add(make_client(team="Team 1", nachname="Schneider"), actor=ifk)
    other = store.add(make_client(team="Team 2", nachname="Schneiderin"), actor=ifk_other_team)

    assert [c.id for c in find_clients(store, "schneider", actor=ifk)] == [own.id]
    assert [c.id for c in find_clients(store, "Schneider", actor=ifk_other_team)] == [other.id]
    assert {c.id for c in find_clients(store, "schneider", actor=kdn)} == {own.id, other.id}
    assert [c.id for c in find_clients(store, own.kundennummer.lower(), actor=ifk)] == [own.id]


def test_search_text_is_limited(store, ifk):
    with pytest.raises(InvalidInput):
        find_clients(store, "x" * 101, actor=ifk)


def test_opening_a_client_is_audited_once_per_interval_and_user(store, ifk, kdn):
    client = store.add(make_client(team="Team 1"), actor=ifk)

    assert open_client(store, client.id, actor=ifk) == client
    open_client(store, client.id, actor=ifk)  # a rerun
    open_client(store, client.id, actor=kdn)

    reads = [
        (e.actor, e.record_kind, e.client_id)
        for e in store.audit_entries(client_id=client.id)
        if e.action == "gelesen"
    ]
    assert reads == [(ifk.username, "Kunde", client.id), (kdn.username, "Kunde", client.id)]


def test_a_read_is_audited_again_after_the_interval(store, ifk, monkeypatch):
    client = store.add(make_client(team="Team 1"), actor=ifk)
    open_client(store, client.id, actor=ifk)
    monkeypatch.setattr(clients_service, "READ_AUDIT_INTERVAL", 0.0)

    open_client(store, client.id, actor=ifk)

    assert sum(e.action == "gelesen" for e in store.audit_entries(client_id=client.id)) == 2


def test_ifk_of_another_team_cannot_open_the_client(store, ifk, ifk_other_team):
    client = store.add(make_client(team="Team 1"), actor=ifk)

    with pytest.raises(NotPermitted) as error:
        open_client(store, client.id, actor=ifk_other_team)

    assert "anderen Team" in error.value.message
    assert not [e for e in store.audit_entries(client_id=client.id) if e.action == "gelesen"]


def test_unknown_client_is_not_found(store, ifk):
    with pytest.raises(NotFound):
        open_client(store, "a" * 32, actor=ifk)


@pytest.mark.parametrize("role_fixture", ["trainer", "fachaufsicht"])
def test_trainer_and_fachaufsicht_cannot_search_create_or_open_clients(request, store, ifk, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    client = store.add(make_client(team="Team 1"), actor=ifk)

    with pytest.raises(NotPermitted):
        find_clients(store, "", actor=actor)
    with pytest.raises(NotPermitted):
        create(store, actor, team="Team 1")
    with pytest.raises(NotPermitted):
        open_client(store, client.id, actor=actor)


def test_a_client_is_checked_against_the_stored_account_read_once(store, ifk, ifk_other_team, monkeypatch):
    client = create(store, ifk)
    reads = []
    read = type(store).user_by_username
    monkeypatch.setattr(type(store), "user_by_username", lambda self, name: reads.append(name) or read(self, name))
    assert clients_service.client_for(store, client.id, actor=ifk) == client
    assert reads == [ifk.username]
    with pytest.raises(NotPermitted):  # still checked: the team of the stored account
        clients_service.client_for(store, client.id, actor=ifk_other_team)
