"""The event contracts are written once: intake, the lake, the simulator and attribution agree."""

from __future__ import annotations

import pyarrow as pa

from seedtrail import contracts
from seedtrail.attribution import spec
from seedtrail.intake import events
from seedtrail.lake import schema as lake
from seedtrail.sim import schemas as sim


def test_every_part_reads_the_same_kinds() -> None:
    assert spec.TOUCH_KINDS == contracts.FRONT_KINDS
    assert spec.CONVERSION_KINDS == sim.CONVERSION_KINDS == contracts.BACK_KINDS
    assert spec.ENGAGEMENT_KINDS == contracts.ENGAGEMENT_KINDS
    assert sim.FRONT_KINDS == contracts.FRONT_KINDS
    # the community posts every front kind but clicks, which only the redirect records
    assert events.FRONT_KINDS == contracts.COMMUNITY_KINDS
    assert set(contracts.FRONT_KINDS) - set(contracts.COMMUNITY_KINDS) == {"click"}


def test_the_simulators_files_are_the_lakes_rows_less_what_seedtrail_sets() -> None:
    assert lake.FRONT is contracts.FRONT and lake.BACK is contracts.BACK
    front = contracts.without(contracts.FRONT, contracts.RECEIVED + contracts.CLICK_ONLY)
    assert sim.FRONT_EVENTS.equals(front)
    assert sim.CONVERSIONS.equals(contracts.without(contracts.BACK, ("declared_sample_rate",)))
    # a tap carries what a click touch carries, by the same names and types
    for field in sim.CLICKS:
        if field.name in contracts.FRONT.names:
            assert contracts.FRONT.field(field.name).type == field.type, field.name


def test_ids_from_outside_are_text() -> None:
    for schema in (contracts.FRONT, sim.CLICKS):
        assert schema.field("note_id").type == pa.string()
    for name in ("order_id", "item_id", "shop_user_key", "event_id"):
        assert contracts.BACK.field(name).type == pa.string()
