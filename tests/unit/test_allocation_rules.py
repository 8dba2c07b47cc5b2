from hypothesis import given
from hypothesis import strategies as st

from domain.availability.allocation import Manifest, ResourceLine, validate_slot_allocation_capacity
from domain.availability.exports import BOM, Occupant, passenger_csv, rooming_list_csv


def manifest(*lines):
    return Manifest("avsl_x", tuple(lines))


def test_kinds_sum_capacity_and_count_distinct_travellers():
    m = manifest(
        ResourceLine("r1", "room_dbl", "1", 2, frozenset({"a", "b"})),
        ResourceLine("r2", "room_dbl", "2", 2, frozenset({"c"})),
        ResourceLine("r3", "seat", "1", 1),
    )
    assert [(k.kind, k.capacity, k.assigned, k.available) for k in m.kinds] == [
        ("room_dbl", 4, 3, 1),
        ("seat", 1, 0, 1),
    ]


def test_unknown_resources_are_reported():
    [v] = validate_slot_allocation_capacity(manifest(), {"r9": ["a"]})
    assert v.code == "resource_not_on_slot"


@given(
    capacity=st.integers(1, 6),
    existing=st.sets(st.sampled_from("abcdefgh"), max_size=6),
    wanted=st.sets(st.sampled_from("abcdefghij"), min_size=1, max_size=6),
)
def test_the_guard_agrees_with_the_manifest_available_number(capacity, existing, wanted):
    line = ResourceLine("r1", "room", "1", capacity, frozenset(existing))
    violations = validate_slot_allocation_capacity(manifest(line), {"r1": wanted})
    others = existing - wanted
    assert (violations == []) == (len(others) + len(wanted) <= capacity)
    if not wanted - existing and len(existing) <= capacity:
        assert violations == []  # re-saving who is already there always passes


def test_exports_have_a_bom_one_row_per_occupant_and_a_totals_row():
    m = manifest(
        ResourceLine("r1", "room_dbl", "101", 2, frozenset({"t1", "t2"})),
        ResourceLine("r2", "room_dbl", "102", 2),
    )
    occupants = [
        Occupant("t2", "book_1", "r1", "room_dbl", "101"),
        Occupant("t1", "book_1", "r1", "room_dbl", "101"),
    ]
    rooming = rooming_list_csv(m, occupants)
    assert rooming.startswith(BOM)
    lines = rooming[1:].strip().split("\r\n")
    assert lines[0] == "kind,resource,resource_id,traveller,booking"
    assert lines[1:3] == ["room_dbl,101,r1,t1,book_1", "room_dbl,101,r1,t2,book_1"]
    assert lines[-1] == "TOTAL,1 of 2 resources,,2,"
    passengers = passenger_csv("avsl_x", [*occupants, Occupant("t1", "book_1", "r9", "seat", "7")])
    rows = passengers[1:].strip().split("\r\n")
    assert rows[1] == "avsl_x,t1,book_1,room_dbl:101;seat:7"
    assert rows[-1] == "TOTAL,2,,"


def test_exports_keep_non_ascii_names_intact():
    occupants = [Occupant("Zoë Ünal", None, "r1", "room_dbl", "Château")]
    text = rooming_list_csv(manifest(ResourceLine("r1", "room_dbl", "Château", 2)), occupants)
    assert "Zoë Ünal" in text and text.encode("utf-8").startswith(b"\xef\xbb\xbf")
