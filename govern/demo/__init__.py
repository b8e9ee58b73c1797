"""The end-to-end demo: a credit-scoring world with a known bias, governed from lineage to PDF."""

from . import _codes as codes
from ._data import BIAS_FLIP, applications
from ._populate import EVAL_MAPPING, demo_card, populate, register
from ._run import run_demo
from ._scenario import Files, build

__all__ = [
    # error codes (the constants of every code this room raises)
    "codes",
    "run_demo",
    "applications",
    "BIAS_FLIP",
    "build",
    "Files",
    "demo_card",
    "populate",
    "register",
    "EVAL_MAPPING",
]
