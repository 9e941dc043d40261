"""Settings: where the database and models live, read from flags, environment and defaults.

Precedence is the usual one: an explicit argument, then the environment
(``SAYONCE_DATABASE_URL``, ``SAYONCE_DATA_DIR``, ``SAYONCE_MODELS_DIR``,
``SAYONCE_SUMMARIZER_PATH``), then per-user defaults from :mod:`platformdirs`.
The install folder is never written to: it is read-only once packaged.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "SayOnce"
APP_AUTHOR = "SayOnce"

# Hugging Face libraries must never reach for the network. These are set here, at import of
# the config (the first thing every entry point imports), before anything imports them.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # model loading is not a download: no progress bars in the agent's terminal or logs
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def force_offline() -> None:
    """Set the Hugging Face offline variables (idempotent)."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


force_offline()


def data_dir() -> Path:
    """Per-user folder for the embedded database, backups and logs."""
    override = os.environ.get("SAYONCE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_database_url() -> str:
    """The embedded SQLite database in the per-user data folder."""
    return f"sqlite:///{data_dir() / 'sayonce.sqlite3'}"


def database_url(explicit: str | None = None) -> str:
    """The database URL to use: ``--db``, then ``SAYONCE_DATABASE_URL``, then the default."""
    return explicit or os.environ.get("SAYONCE_DATABASE_URL") or default_database_url()


def bundle_root() -> Path:
    """Folder holding ``models/`` and ``resources/``: the repository, or the installer bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    here = Path(__file__).resolve()
    # app/sayonce/config.py -> repository root (editable install or source checkout)
    repo = here.parents[2]
    if (repo / "models" / "manifest.json").is_file():
        return repo
    return here.parent  # a wheel install carries nothing else; callers report what is missing


def models_dir() -> Path:
    """Where the local NLP models live (``SAYONCE_MODELS_DIR`` overrides)."""
    override = os.environ.get("SAYONCE_MODELS_DIR")
    return Path(override).expanduser() if override else bundle_root() / "models"


def resources_dir() -> Path:
    """Playbooks, icons, themes and demo seeds."""
    return bundle_root() / "resources"


def summarizer_path() -> Path | None:
    """Optional local seq2seq summarizer (a folder with a transformers model), or ``None``."""
    value = os.environ.get("SAYONCE_SUMMARIZER_PATH")
    return Path(value).expanduser() if value else None


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings for one process."""

    database_url: str
    data_dir: Path
    models_dir: Path
    resources_dir: Path
    summarizer_path: Path | None

    @classmethod
    def load(cls, db: str | None = None) -> Settings:
        """Resolve every setting once."""
        return cls(
            database_url=database_url(db),
            data_dir=data_dir(),
            models_dir=models_dir(),
            resources_dir=resources_dir(),
            summarizer_path=summarizer_path(),
        )
