"""Optional abstractive summaries with a local transformers seq2seq model (BART, T5, ...).

Configured by path (``SAYONCE_SUMMARIZER_PATH``), loaded lazily, once, with
``local_files_only=True``: nothing is ever downloaded. Without it, summaries stay extractive.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from sayonce.config import force_offline, summarizer_path
from sayonce.nlp.embeddings import TORCH_THREADS
from sayonce.nlp.models import ModelMissingError

MAX_INPUT_TOKENS = 1024
MAX_NEW_TOKENS = 96

_lock = threading.Lock()
_loaded: dict[Path, Seq2SeqSummarizer] = {}


class Seq2SeqSummarizer:
    """A local seq2seq model and its tokenizer; ``summarize`` turns redacted text into a line."""

    def __init__(self, folder: Path) -> None:
        """Load from ``folder`` (raises :class:`ModelMissingError` with what is missing)."""
        config = folder / "config.json"
        if not config.is_file():
            raise ModelMissingError(
                f"SAYONCE_SUMMARIZER_PATH points at {folder}, which holds no config.json: "
                "it must be a folder saved with save_pretrained (model and tokenizer)."
            )
        force_offline()
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        torch.set_num_threads(TORCH_THREADS)
        self.folder = folder
        self.version = summarizer_version(folder)
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self._model: Any = AutoModelForSeq2SeqLM.from_pretrained(str(folder), local_files_only=True)
        self._model.eval()

    def summarize(self, text: str, max_new_tokens: int = MAX_NEW_TOKENS) -> str:
        """A short abstractive summary of ``text`` (greedy decoding: fast and repeatable)."""
        import torch

        limit = min(MAX_INPUT_TOKENS, int(getattr(self._tokenizer, "model_max_length", 512)))
        inputs = self._tokenizer(text, return_tensors="pt", truncation=True, max_length=limit)
        inputs.pop("token_type_ids", None)
        with torch.inference_mode():
            output = self._model.generate(
                **inputs, max_new_tokens=max_new_tokens, num_beams=1, do_sample=False
            )
        return str(self._tokenizer.decode(output[0], skip_special_tokens=True)).strip()


def summarizer_version(folder: Path) -> str:
    """Cache key of summaries by this model: a different model (or config) re-summarizes."""
    config = folder / "config.json"
    digest = hashlib.sha1(config.read_bytes()).hexdigest()[:8] if config.is_file() else "missing"
    return f"seq2seq:{folder.name}:{digest}"


def load_summarizer(folder: Path) -> Seq2SeqSummarizer:
    """The summarizer in ``folder``, loaded once per process."""
    key = folder.resolve()
    with _lock:
        if key not in _loaded:
            _loaded[key] = Seq2SeqSummarizer(key)
        return _loaded[key]


def configured_summarizer() -> Seq2SeqSummarizer | None:
    """The summarizer named by ``SAYONCE_SUMMARIZER_PATH``, or ``None`` when not configured."""
    folder = summarizer_path()
    return load_summarizer(folder) if folder else None
