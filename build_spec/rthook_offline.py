"""PyInstaller runtime hook: the packaged app never reaches for the network.

Runtime hooks run before the entry script and before any module of the app is imported, so the
Hugging Face libraries (transformers, sentence-transformers, huggingface_hub, tokenizers) see
these variables from their very first import. ``sayonce.config`` sets them again (idempotent);
this hook makes the guarantee independent of import order.
"""

import os

for _key, _value in (
    ("HF_HUB_OFFLINE", "1"),
    ("TRANSFORMERS_OFFLINE", "1"),
    ("HF_DATASETS_OFFLINE", "1"),
    ("HF_HUB_DISABLE_TELEMETRY", "1"),
    ("TOKENIZERS_PARALLELISM", "false"),
):
    os.environ[_key] = _value
# A desktop app has no console to draw Hugging Face's model-loading progress bars on.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
