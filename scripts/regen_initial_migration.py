"""Regenerate migration 0001 from the models (pre-release only: nothing is deployed yet).

Usage: python scripts/regen_initial_migration.py
Later hand-written revisions (0002_fulltext, ...) are set aside while 0001 is generated.
Once a release ships, add new revisions instead (alembic revision --autogenerate).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

import sayonce.store  # noqa: F401  (registers every model)

VERSIONS = Path(__file__).resolve().parents[1] / "app/sayonce/store/migrations/versions"

with tempfile.TemporaryDirectory() as tmp:
    aside = Path(tmp) / "aside"
    aside.mkdir()
    for old in VERSIONS.glob("0*.py"):
        if old.name.startswith("0001_"):
            old.unlink()
        else:
            shutil.move(old, aside / old.name)
    try:
        engine = create_engine(f"sqlite:///{tmp}/empty.sqlite3")
        config = Config()
        config.set_main_option("script_location", str(VERSIONS.parent))
        config.set_main_option("file_template", "%%(rev)s")
        config.attributes["engine"] = engine
        command.revision(config, message="initial schema", autogenerate=True, rev_id="0001_initial")
    finally:
        for kept in aside.iterdir():
            shutil.move(kept, VERSIONS / kept.name)
generated = VERSIONS / "0001_initial.py"
subprocess.run(["ruff", "format", "--quiet", str(generated)], check=False)
subprocess.run(["ruff", "check", "--fix", "--quiet", str(generated)], check=False)
print("regenerated", generated)
