"""Deterministic, believable demo data for trying SayOnce and for benchmarks.

``generate(store, customers=..., interactions=..., seed=..., progress=...)`` fills an empty
database and returns :class:`DemoStats`; ``sayonce demo`` is its command line.
"""

from sayonce.demo.generator import (
    DEFAULT_CUSTOMERS,
    DEFAULT_INTERACTIONS,
    DEFAULT_SEED,
    DemoStats,
    Progress,
    generate,
)
from sayonce.demo.writer import DemoRefused

__all__ = [
    "DEFAULT_CUSTOMERS",
    "DEFAULT_INTERACTIONS",
    "DEFAULT_SEED",
    "DemoRefused",
    "DemoStats",
    "Progress",
    "generate",
]
