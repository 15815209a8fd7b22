"""SMS length in GSM-7 septets or UCS-2 code units, and how many segments that costs.

GSM 03.38: one segment holds 160 septets (153 when concatenated, the rest is the UDH);
characters of the extension table take two septets (escape + char) and a pair is never
split across segments. Any character outside both tables forces UCS-2: 70 code units
per segment, 67 when concatenated; characters outside the BMP take two units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
BMP_LAST = 0xFFFF  # characters above it take two UTF-16 code units (a surrogate pair)


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    non_gsm_chars: tuple[str, ...] = field(default=())

    @property
    def unicode(self) -> bool:
        return self.encoding == "UCS-2"

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.unicode:
            shown = "".join(self.non_gsm_chars[:5])
            notes.append(f"needs Unicode (UCS-2, 70 per segment) because of {shown!r}")
        if self.segments > 1:
            notes.append(f"needs {self.segments} segments ({self.units} {self._unit_name})")
        return notes

    @property
    def _unit_name(self) -> str:
        return "code units" if self.unicode else "septets"


def describe_sms(text: str) -> SmsInfo:
    non_gsm = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    if non_gsm:
        costs = [2 if ord(ch) > BMP_LAST else 1 for ch in text]
        return SmsInfo("UCS-2", sum(costs), _segments(costs, UCS2_SINGLE, UCS2_MULTI), non_gsm)
    costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return SmsInfo("GSM-7", sum(costs), _segments(costs, GSM7_SINGLE, GSM7_MULTI))


def _segments(costs: list[int], single_limit: int, multi_limit: int) -> int:
    total = sum(costs)
    if total <= single_limit:
        return 1
    segments, used = 1, 0
    for cost in costs:  # a two-unit character never straddles two segments
        if used + cost > multi_limit:
            segments, used = segments + 1, 0
        used += cost
    return segments
