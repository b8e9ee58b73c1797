"""docs/measurements.md is generated from the types; it must not drift from them."""

from __future__ import annotations

from pathlib import Path

from govern.measurements import MEASUREMENT_TYPES, reference_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "measurements.md"


def test_the_measurement_reference_is_generated_from_the_types() -> None:
    assert DOC.read_text(encoding="utf-8") == reference_markdown(), "run: python scripts/gen_measurement_docs.py"


def test_every_cel_variable_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for cls in MEASUREMENT_TYPES.values():
        for name, cel in cls.cel_variables().items():
            assert f"| `{name}` |" in text and f"`{cel}`" in text, (cls.CHECK, name)
