"""Benchmarks for ``sayonce bench``: medians over repeated runs, and ratios to a floor.

A benchmark module registers functions with :func:`benchmark`. Each returns one or more
:class:`Result`: the median of its timed runs and, where there is one, the median of the most
direct code doing the same work (the floor), so the ratio shows what our layers cost.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

MODULES = (
    "sayonce.bench.store",
    "sayonce.bench.package",
    "sayonce.bench.nlp",
    "sayonce.bench.semantic",
    "sayonce.bench.intake",
    "sayonce.bench.assist",
    "sayonce.bench.desktop",
    "sayonce.bench.assist_ui",
)


@dataclass(frozen=True, slots=True)
class Result:
    """One measured figure."""

    name: str
    median: float
    unit: str
    floor: float | None = None
    p95: float | None = None
    target: str | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Median over floor (how many times the direct code's cost)."""
        if self.floor is None or self.floor == 0:
            return None
        return self.median / self.floor


@dataclass(slots=True)
class Context:
    """What every benchmark gets: a scratch folder, a scale and a quick flag."""

    workdir: Path
    scale: int = 1_000_000
    quick: bool = False
    cache: dict[str, object] = field(default_factory=dict)


BenchFn = Callable[[Context], Iterable[Result]]
REGISTRY: dict[str, BenchFn] = {}


def benchmark(name: str) -> Callable[[BenchFn], BenchFn]:
    """Register a benchmark function under ``name``."""

    def decorate(fn: BenchFn) -> BenchFn:
        REGISTRY[name] = fn
        return fn

    return decorate


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def format_result(result: Result) -> str:
    """One line of the report."""
    ratio = f"  x{result.ratio:.2f} of floor {result.floor:.4g}" if result.ratio else ""
    tail = f"  p95 {result.p95:.4g}" if result.p95 is not None else ""
    target = f"  [target {result.target}]" if result.target else ""
    note = f"  ({result.note})" if result.note else ""
    head = f"{result.name:<48} median {result.median:>10.4g} {result.unit:<8}"
    return f"{head}{tail}{ratio}{target}{note}"
