"""The permission matrix for deputies (issue 14): within the period of a Vertretung an IFK of Team 3 may do on the
clients of Team 1 what their own IFK may; after its end, only what an IFK of another team may."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dates import today
from errors import NotPermitted
from schemas.records import Role, Vertretung
from services.access import SYSTEM
from storage import open_store
from tests.factories import make_user
from tests.unit.test_permissions import USE_CASES
from tests.unit.world import World, build_template, copy_world

DEPUTIES = {"Vertretung laufend": (-3, 7), "Vertretung abgelaufen": (-10, -1)}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, World]:
    data_dir = tmp_path_factory.mktemp("deputies") / "data"
    built = build_template(data_dir)
    from config import Settings

    store = open_store(Settings(data_dir=data_dir))
    for name, (start, end) in DEPUTIES.items():
        deputy = store.add(make_user(Role.IFK, team="Team 3"), actor=SYSTEM)
        store.add(Vertretung(id=f"v-{deputy.id}", vertreter=deputy.username, team="Team 1",
                             von=today() + timedelta(days=start), bis=today() + timedelta(days=end),
                             grund="Urlaub"), actor=SYSTEM)  # fmt: skip
        built.actors[name] = deputy
    store.close_store()
    return data_dir, built


@pytest.fixture
def world(template, tmp_path) -> World:
    built = copy_world(*template, tmp_path / "data")
    yield built
    built.store.close_store()


CASES = [(name, deputy) for name in USE_CASES for deputy in DEPUTIES]


@pytest.mark.parametrize(("use_case", "deputy"), CASES, ids=[f"{u}-{d}" for u, d in CASES])
def test_deputy_matrix(world: World, use_case: str, deputy: str):
    call, allowed, done = USE_CASES[use_case]
    actor = world.actors[deputy]
    may = "IFK anderes Team" in allowed or (deputy == "Vertretung laufend" and "IFK" in allowed)
    if may and use_case == "list_wiedervorlage" and deputy == "Vertretung laufend":
        # within the period the deputy's Wiedervorlage holds the team they stand in for
        assert [item.client_id for item in call(world, actor)] == [world.client.id]
    elif may and use_case == "find_clients" and deputy == "Vertretung laufend":
        # … and the search finds that team's clients too, no others
        found = call(world, actor)
        assert world.client.id in {c.id for c in found} and {c.team for c in found} <= {"Team 1", actor.team}
    elif may:
        result = call(world, actor)
        assert done(world, actor, result), f"{use_case} für {deputy}: {result!r}"[:500]
    else:
        with pytest.raises(NotPermitted):
            call(world, actor)
