"""Deterministic, believable demo data for trying SayOnce and for benchmarks."""
