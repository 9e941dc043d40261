"""Render the app icon (resources/icons/sayonce.svg) for the installers.

Writes ``build_spec/linux/sayonce.png`` (256 px, plus hicolor sizes under ``linux/icons/``)
and ``build_spec/windows/sayonce.ico`` (16-256 px). Qt renders the SVG offscreen, so this runs
anywhere PySide6 does. macOS's ``.icns`` is made on a Mac with ``iconutil``
(build_spec/macos/README.md). ``build.py`` runs this when an icon is missing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "resources" / "icons" / "sayonce.svg"
LINUX_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _render(renderer: object, size: int) -> object:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)  # type: ignore[attr-defined]
    painter.end()
    return image


def _ico(images: list[tuple[int, bytes]]) -> bytes:
    # An ICO holding PNG frames (Windows Vista and later read these), written by hand so the
    # result does not depend on which Qt image plugins a platform ships.
    header = (0).to_bytes(2, "little") + (1).to_bytes(2, "little")
    header += len(images).to_bytes(2, "little")
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        edge = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += bytes([edge, edge, 0, 0]) + (1).to_bytes(2, "little")
        entries += (32).to_bytes(2, "little") + len(png).to_bytes(4, "little")
        entries += offset.to_bytes(4, "little")
        offset += len(png)
        blobs += png
    return header + entries + blobs


def _png_bytes(image: object) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[attr-defined]
    return bytes(data.data())


def make_icons() -> list[Path]:
    """Render every icon file; return the paths written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SOURCE}")
    written = []
    for size in LINUX_SIZES:
        target = HERE / "linux" / "icons" / f"{size}x{size}" / "sayonce.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_png_bytes(_render(renderer, size)))
        written.append(target)
    main_png = HERE / "linux" / "sayonce.png"
    main_png.write_bytes(_png_bytes(_render(renderer, 256)))
    ico = HERE / "windows" / "sayonce.ico"
    ico.write_bytes(_ico([(s, _png_bytes(_render(renderer, s))) for s in ICO_SIZES]))
    return [*written, main_png, ico]


if __name__ == "__main__":
    for path in make_icons():
        print(path.relative_to(HERE.parent))
