"""Id types, their priority, and how each is normalized before keying.

Phone numbers are parsed as E.164 (default region CN, NFKC first so full-width digits work);
device ids are case-folded; account ids are NFKC-normalized and stripped. A value that does not
normalize is dropped (and counted), never guessed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import StrEnum

import phonenumbers


class IdType(StrEnum):
    """Id types in priority order: a person is matched at the first type that matches."""

    PHONE = "phone"
    DEVICE = "device_id"
    ACCOUNT = "account_id"

    @property
    def priority(self) -> int:
        return list(IdType).index(self)

    @property
    def tag(self) -> bytes:
        return self.value.encode()


def normalize_phone(raw: str, region: str = "CN") -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneNormalizer:
    """:func:`normalize_phone` with a fast path for plain 11-digit CN mobile numbers.

    Whether such a number is valid depends only on its 7-digit prefix (its number block), so
    the full parse runs once per prefix; the answer is the same as :func:`normalize_phone`.
    """

    def __init__(self, region: str = "CN") -> None:
        self.region = region
        self._prefix_valid: dict[str, bool] = {}

    def __call__(self, raw: str) -> str | None:
        text = raw.strip()
        if self.region == "CN" and len(text) == 11 and text.isascii() and text.isdigit():
            if text[0] != "1":
                return normalize_phone(text, self.region)
            prefix = text[:7]
            valid = self._prefix_valid.get(prefix)
            if valid is None:
                valid = normalize_phone(text, self.region) is not None
                self._prefix_valid[prefix] = valid
            return "+86" + text if valid else None
        return normalize_phone(raw, self.region)


def normalize_device(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip().casefold()
    return text or None


def normalize_account(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    return text or None


def normalizer(id_type: IdType, region: str = "CN") -> Callable[[str], str | None]:
    if id_type is IdType.PHONE:
        return PhoneNormalizer(region)
    if id_type is IdType.DEVICE:
        return normalize_device
    return normalize_account
