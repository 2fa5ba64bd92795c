"""The acting user is re-read below the UI (issue 18.3): a `User` object a session holds is not taken on trust.

An account deactivated, or given another role or team, after its sign-in is refused by every use case of the
permission matrix and by the store's own KDN override, although the caller still holds the old object.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import NotPermitted
from schemas.records import Profiling, Role, User
from services.access import ACCOUNT_CHANGED
from tests.unit.test_permissions import USE_CASES
from tests.unit.world import World, build_template, copy_world

#: Ending one's own session stays possible for every account.
SESSION_END = {"sign_out"}
#: Each use case with one actor the matrix allows (KDN for what everybody or KDN may do).
ALLOWED = [
    (name, "KDN-Fachbetreuung" if "KDN-Fachbetreuung" in allowed else min(allowed - {"IFK deaktiviert"}))
    for name, (_call, allowed, _done) in USE_CASES.items()
    if allowed - {"IFK deaktiviert"} and name not in SESSION_END
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, World]:
    data_dir = tmp_path_factory.mktemp("acting") / "data"
    return data_dir, build_template(data_dir)


@pytest.fixture
def world(template, tmp_path) -> World:
    built = copy_world(*template, tmp_path / "data")
    yield built
    built.store.close_store()


def _changed(world: World, actor: User, **update) -> None:
    """Change the stored account behind `actor` (as the Benutzerverwaltung would), keeping `actor` as it was."""
    stored = world.store.get(User, actor.id)
    world.store.save(stored.model_copy(update=update), actor=stored)


@pytest.mark.parametrize(("use_case", "actor_name"), ALLOWED, ids=[name for name, _ in ALLOWED])
def test_an_account_deactivated_after_sign_in_is_refused_by_every_use_case(
    world: World, use_case: str, actor_name: str
):
    call = USE_CASES[use_case][0]
    actor = world.actors[actor_name]
    _changed(world, actor, active=False)
    with pytest.raises(NotPermitted) as refused:
        call(world, actor)
    assert refused.value.message == ACCOUNT_CHANGED


@pytest.mark.parametrize(("use_case", "actor_name"), ALLOWED, ids=[name for name, _ in ALLOWED])
def test_an_account_whose_role_changed_after_sign_in_is_refused_by_every_use_case(
    world: World, use_case: str, actor_name: str
):
    call = USE_CASES[use_case][0]
    actor = world.actors[actor_name]
    _changed(world, actor, role=Role.FACHAUFSICHT if actor.role != Role.FACHAUFSICHT else Role.TRAINER, team="")
    with pytest.raises(NotPermitted) as refused:
        call(world, actor)
    assert refused.value.message == ACCOUNT_CHANGED


def test_an_ifk_moved_to_another_team_no_longer_opens_the_old_teams_client(world: World):
    from services import clients

    actor = world.actors["IFK"]
    _changed(world, actor, team="Team 2")
    with pytest.raises(NotPermitted):
        clients.open_client(world.store, world.client.id, actor=actor)


def test_the_store_refuses_the_kdn_override_of_a_deactivated_or_unknown_account(world: World):
    kdn = world.actors["KDN-Fachbetreuung"]
    changed = world.closed_profiling.model_copy(update={"zielberuf": "Korrigiert"})
    _changed(world, kdn, active=False)
    with pytest.raises(NotPermitted):
        world.store.override_save(changed, actor=kdn, reason="Datenschutzvorfall")
    with pytest.raises(NotPermitted):
        world.store.override_delete(Profiling, world.closed_profiling.id, actor=kdn, reason="Datenschutzvorfall")
    stranger = kdn.model_copy(update={"id": "fremd", "username": "fremd", "active": True})
    with pytest.raises(NotPermitted):
        world.store.override_save(changed, actor=stranger, reason="Datenschutzvorfall")
    assert world.store.get(Profiling, world.closed_profiling.id).zielberuf != "Korrigiert"
