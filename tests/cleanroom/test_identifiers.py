from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from seedtrail.cleanroom.identifiers import (
    IdType,
    PhoneNormalizer,
    normalize_account,
    normalize_device,
    normalize_phone,
)


def test_phone_forms_normalize_to_one_e164() -> None:
    forms = ["13800138000", "+86 138 0013 8000", "１３８００１３８０００", "0086-138-0013-8000"]
    assert {normalize_phone(f) for f in forms} == {"+8613800138000"}


def test_invalid_phones_are_dropped() -> None:
    assert normalize_phone("12345") is None
    assert normalize_phone("") is None
    assert normalize_phone("not a phone") is None


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=10**10, max_value=2 * 10**10 - 1))
def test_fast_path_agrees_with_full_parse(number: int) -> None:
    assert PhoneNormalizer()(str(number)) == normalize_phone(str(number))


def test_device_and_account_normalization() -> None:
    assert normalize_device(" ABCD-ef ") == "abcd-ef"
    assert normalize_account("ｕｓｅｒ１") == "user1"
    assert normalize_account("  ") is None


def test_priority_order() -> None:
    assert [t.priority for t in (IdType.PHONE, IdType.DEVICE, IdType.ACCOUNT)] == [0, 1, 2]
