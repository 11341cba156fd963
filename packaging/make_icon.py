"""Draw the app icon: resources/icons/app.svg, app.png (256 px) and app.ico (16-256 px).

A one-off script; its outputs are committed. Run it again after changing the drawing:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py

The drawing: three steps going up (the exercise circuit, progressed level by level) and an arrow
going up with them, white and orange on a teal tile that stays readable at 16 px in a task bar.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#14a396"/>
      <stop offset="1" stop-color="#0b6b63"/>
    </linearGradient>
  </defs>
  <rect x="8" y="8" width="240" height="240" rx="52" fill="url(#tile)"/>
  <path d="M40 212 H216 V84 H164 V126 H112 V168 H40 Z" fill="#ffffff"/>
  <path d="M58 146 C 80 104, 124 66, 186 54" fill="none" stroke="#ffb347"
        stroke-width="13" stroke-linecap="round"/>
  <path d="M164 34 L190 53 L168 76" fill="none" stroke="#ffb347" stroke-width="13"
        stroke-linecap="round" stroke-linejoin="round"/>
</svg>
"""

ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def render_png(svg: bytes, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(QByteArray(svg))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def main() -> int:
    from PIL import Image

    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "app.svg").write_text(SVG, encoding="utf-8")
    png = render_png(SVG.encode(), 256)
    (ICONS / "app.png").write_bytes(png)
    Image.open(io.BytesIO(png)).save(ICONS / "app.ico", sizes=ICO_SIZES)
    print(f"Wrote app.svg, app.png and app.ico in {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
