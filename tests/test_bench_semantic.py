"""The semantic-search benchmark runs at a tiny scale and reports sane figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sayonce.bench import Context, Result
from sayonce.bench.semantic import semantic_history
from tests.test_history_semantic import BagOfWords


class FakeModel(BagOfWords):
    dimension = 256

    def encode_bulk(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.encode(texts)


def test_the_semantic_benchmark_reports_latency_backfill_storage_and_quality(
    tmp_path: Path, monkeypatch: Any
) -> None:
    model = FakeModel()
    monkeypatch.setattr("sayonce.nlp.embeddings.get_encoder", lambda: model)
    ctx = Context(workdir=tmp_path, scale=400, quick=True)
    results: dict[str, Result] = {r.name: r for r in semantic_history(ctx)}
    demo = tmp_path / "demo-400.sqlite3"
    assert demo.exists()  # the shared demo database is copied, never searched in place
    warm = next(r for n, r in results.items() if n.endswith("(warm)"))
    assert warm.target == "p95 <= 100 ms" and warm.p95 is not None and warm.p95 >= warm.median
    assert warm.floor is not None and warm.floor > 0
    backfill = next(r for n, r in results.items() if n.startswith("backfill "))
    assert backfill.unit == "inter/s" and backfill.median > 0 and backfill.floor
    assert results["vector storage per interaction"].median > 0
    hybrid = results["labelled queries, hybrid: hit@1"]
    assert 0 <= hybrid.median <= 1 and "paraphrases" in hybrid.note
