"""Mobile numbers to E.164, with a fast path for the common case of a plain national mobile number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat

_SEPARATORS = re.compile(r"[\s\-().]")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


class InvalidMobileError(ValueError):
    pass


@dataclass(frozen=True)
class _RegionMobiles:
    country_code: str
    national_prefix: str
    patterns: tuple[re.Pattern, ...]  # general and mobile national-number patterns of the region

    def e164(self, national_number: str) -> str | None:
        if national_number.isdigit() and all(pattern.fullmatch(national_number) for pattern in self.patterns):
            return f"+{self.country_code}{national_number}"
        return None


@lru_cache(maxsize=32)
def _region_mobiles(region: str) -> _RegionMobiles | None:
    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or metadata.general_desc is None or metadata.mobile is None:
        return None
    if not metadata.mobile.national_number_pattern:
        return None
    patterns = (metadata.general_desc.national_number_pattern, metadata.mobile.national_number_pattern)
    return _RegionMobiles(
        country_code=str(metadata.country_code),
        national_prefix=metadata.national_prefix or "",
        patterns=tuple(re.compile(pattern) for pattern in patterns),
    )


def normalise_mobile(raw: str, default_region: str) -> str:
    """E.164 form of `raw`; raises InvalidMobileError with a message fit for the person who wrote the file."""
    if _SCIENTIFIC.match(raw.strip()):
        raise InvalidMobileError(
            "The number was saved in scientific notation (e.g. 9.87E+09); format the column as text."
        )
    compact = _SEPARATORS.sub("", raw)
    return _fast_e164(compact, default_region) or _slow_e164(raw, default_region)


def _fast_e164(compact: str, region: str) -> str | None:
    """Only accepts what phonenumbers would accept as a mobile of the region; anything else goes the slow way."""
    mobiles = _region_mobiles(region)
    if mobiles is None:
        return None
    code = mobiles.country_code
    if compact.startswith("+"):
        return mobiles.e164(compact[1 + len(code) :]) if compact[1:].startswith(code) else None
    candidates = [compact]
    if compact.startswith("00" + code):
        candidates.append(compact[2 + len(code) :])
    if mobiles.national_prefix and compact.startswith(mobiles.national_prefix):
        candidates.append(compact[len(mobiles.national_prefix) :])
    if compact.startswith(code):
        candidates.append(compact[len(code) :])
    return next((e164 for e164 in map(mobiles.e164, candidates) if e164), None)


def _slow_e164(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region.upper())
    except NumberParseException:
        raise InvalidMobileError("Not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidMobileError("Not a valid phone number.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
