"""Write docs/measurements.md from the measurement types in govern/measurements.

    python scripts/gen_measurement_docs.py

tests/unit/measurements/test_docs.py fails when docs/measurements.md and the types disagree.
"""

from __future__ import annotations

from pathlib import Path

from govern.measurements import reference_markdown

if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "docs" / "measurements.md"
    out.write_text(reference_markdown(), encoding="utf-8")
    print(f"wrote {out}")
