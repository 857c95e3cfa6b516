"""The set-up copies tests start from (tests/snapshots.py) hold exactly what the set-up done for real
leaves, on SQLite and PostgreSQL, and a test whose database already differs gets the real set-up."""
from datetime import timedelta

from demo import seed
from engine.identity import accounts
from tests import snapshots
from tests.conftest import add_user, deploy_directory, every_row, walk_to_gate4


def _set_up(db, clock) -> dict:
    """Deploy, seed the demo people and walk a project to Gate 4, moving the clock on."""
    version = deploy_directory(db, clock)
    for username, name, roles, org in seed.DEMO_USERS:
        db.writing(lambda s, u=username, n=name, r=roles, o=org: accounts.add_user(
            s, username=u, display_name=n, roles=r, organisation=o, actor="test", clock=clock))
    clock.advance(hours=3)
    return {"version": version.id, "project": walk_to_gate4(db, clock)}


def test_a_restored_set_up_has_the_rows_ids_and_clock_of_the_real_one(db, clock):
    start, empty = clock.now(), snapshots._save(db)
    built = []

    def counted():
        built.append(True)
        return _set_up(db, clock)

    first = snapshots.once("snapshot test", db, clock, counted)
    first_rows, first_clock = every_row(db, skip=()), clock.now()

    snapshots._restore(db, empty)
    clock.set(start)
    real = _set_up(db, clock)
    real_rows = every_row(db, skip=())
    # Done again for real it gives the same ids, rows and clock (SpiffWorkflow's task ids are random each time).
    assert real == first and clock.now() == first_clock == start + timedelta(hours=3)
    assert {k: len(v) for k, v in real_rows.items()} == {k: len(v) for k, v in first_rows.items()}
    assert real_rows["users"] == first_rows["users"] and real_rows["tasks"] != []

    snapshots._restore(db, empty)
    clock.set(start)
    built.clear()
    again = snapshots.once("snapshot test", db, clock, counted)
    assert built == [], "the second time it is restored, not run"
    assert again == real and every_row(db, skip=()) == first_rows and clock.now() == first_clock
    assert every_row(db, skip=()) != real_rows, "what the first set-up left, not what this one did"
    # The ids the database hands out next are the ones the real set-up left it at.
    assert add_user(db, clock, "next.one", "sponsor") == len(seed.DEMO_USERS) + 1


def test_a_database_that_differs_gets_the_real_set_up(db, clock):
    add_user(db, clock, "early.bird", "sponsor")
    built = []

    def counted():
        built.append(True)
        return _set_up(db, clock)

    snapshots.once("snapshot test", db, clock, counted)
    assert built == [True]
    assert "early.bird" in {row[1] for row in every_row(db)["users"]}
