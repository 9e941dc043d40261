"""``sayonce bench``: run the benchmarks and print medians and ratios."""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the ``bench`` subcommand."""
    parser = sub.add_parser(
        "bench",
        help="measure speed and memory (medians, p95 and ratios to the direct code)",
        description="Run benchmarks. Each prints its median, p95 where useful, and the ratio "
        "to a floor (the most direct code doing the same work) where there is one.",
    )
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all); see --list")
    parser.add_argument("--list", action="store_true", help="list benchmark names and exit")
    parser.add_argument(
        "--scale", type=int, default=1_000_000, help="interactions in the large database"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--workdir", type=Path, help="keep generated databases here (reused across runs)"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sayonce import bench

    for module in bench.MODULES:
        importlib.import_module(module)
    if args.list:
        for name in bench.REGISTRY:
            print(name)
        return 0
    names = args.names or list(bench.REGISTRY)
    unknown = [n for n in names if n not in bench.REGISTRY]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; try --list")
        return 2
    scale = min(args.scale, 20_000) if args.quick else args.scale
    with tempfile.TemporaryDirectory(prefix="sayonce-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        context = bench.Context(workdir=workdir, scale=scale, quick=args.quick)
        for name in names:
            print(f"== {name}", flush=True)
            for result in bench.REGISTRY[name](context):
                print(bench.format_result(result), flush=True)
    return 0
