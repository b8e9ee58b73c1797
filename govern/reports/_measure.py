"""Widths of text in the report font, so that tables can be laid out with fixed column widths
that still fit their longest unbreakable value (a rule id is never cut or broken at its hyphens):
WeasyPrint's automatic table layout measures the min- and max-content width of every cell, a
text layout per word."""

from __future__ import annotations

from collections.abc import Iterable

# Advance widths of DejaVu Sans (the report's font), in 1/2048 em, of ASCII 32 (space) to 126 (~),
# read from the font's hmtx table with fontTools.
_DEJAVU_SANS = (
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178,
    1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251,
    1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995,
    1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
)  # fmt: skip
_WIDEST = 2259  # any other character counts as wider than every ASCII one of DejaVu Sans Bold
_MM_PER_PT = 25.4 / 72


def text_width_mm(text: str, *, pt: float) -> float:
    """The width of ``text`` on one line in DejaVu Sans at ``pt`` points, in millimetres (no
    kerning; a character outside ASCII is counted as wider than any ASCII one, bold included)."""
    units = sum(_DEJAVU_SANS[o - 32] if 32 <= (o := ord(c)) <= 126 else _WIDEST for c in text)
    return units / 2048 * pt * _MM_PER_PT


def column_mm(
    texts: Iterable[str], *, pt: float, header: str = "", padding_mm: float = 3.0, cap_mm: float = 70.0
) -> float:
    """A column width that fits the widest of ``texts`` (and the bold ``header``, up to 15 % wider) on
    one line with the cell's horizontal ``padding_mm``, plus 1 mm to spare, at most ``cap_mm``."""
    widest = max([text_width_mm(t, pt=pt) for t in texts] + [text_width_mm(header, pt=pt) * 1.15])
    return round(min(widest + padding_mm + 1.0, cap_mm), 1)
