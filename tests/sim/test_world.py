"""``build_world``: one stage per entity, each on its own random stream."""

from __future__ import annotations

import dataclasses

from seedtrail.sim.spec import load_spec
from seedtrail.sim.world import build_world


def test_same_seed_same_tables() -> None:
    spec = load_spec("tiny")
    a, b = build_world(spec, 5), build_world(spec, 5)
    for name in ("accounts", "notes", "offers", "link_mounts", "collab_registrations"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.notes.equals(build_world(spec, 6).notes)


def test_a_change_in_one_stage_leaves_the_other_stages_draws_alone() -> None:
    """More notes per brand makes more notes (and more draws in the notes stage), yet every
    creator note keeps its title and body: the texts stage draws from its own stream, not from
    whatever the notes stage left of a shared one."""
    spec = load_spec("tiny")
    more = dataclasses.replace(spec, notes_per_brand=spec.notes_per_brand * 3)
    a, b = build_world(spec, 5), build_world(more, 5)
    assert a.n_notes < b.n_notes
    assert a.accounts.equals(b.accounts) and a.offers.equals(b.offers)
    creator_notes = int(sum(a.account_kind[x] == "creator" for x in a.note_author.tolist()))
    assert creator_notes > 50
    for column in ("title", "body", "author_id"):
        first, second = a.notes.column(column), b.notes.column(column)
        assert first.slice(0, creator_notes).equals(second.slice(0, creator_notes)), column
