"""Small PNG line charts for reports (weekly performance, incident timelines): one y axis, a line per
series, a legend, dates on the x axis. Pillow's built-in font: no font files, no matplotlib."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

SIZE = (800, 400)
MARGIN = (70, 40, 20, 50)  # left, top, right, bottom
COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189))


def line_chart(title: str, series: dict[str, list[tuple[datetime, float]]], y_label: str) -> bytes:
    """A PNG of SIZE; an empty chart (no points at all) still renders, saying so."""
    image = Image.new("RGB", SIZE, "white")
    draw, font = ImageDraw.Draw(image), ImageFont.load_default()
    left, top, right, bottom = MARGIN[0], MARGIN[1], SIZE[0] - MARGIN[2], SIZE[1] - MARGIN[3]
    draw.text((left, 10), title, fill="black", font=font)
    draw.text((5, top - 15), y_label, fill="black", font=font)
    draw.rectangle((left, top, right, bottom), outline=(180, 180, 180))
    points = [p for values in series.values() for p in values]
    if not points:
        draw.text((left + 20, (top + bottom) // 2), "no data", fill="gray", font=font)
        return _png(image)
    t0, t1 = min(p[0] for p in points).timestamp(), max(p[0] for p in points).timestamp()
    y0, y1 = min(0.0, min(p[1] for p in points)), max(p[1] for p in points) or 1.0
    x = lambda t: left + (t.timestamp() - t0) / ((t1 - t0) or 1) * (right - left)  # noqa: E731
    y = lambda v: bottom - (v - y0) / ((y1 - y0) or 1) * (bottom - top)  # noqa: E731
    for fraction in (0, 0.5, 1):
        value = y0 + fraction * (y1 - y0)
        draw.text((5, y(value) - 5), f"{value:.3g}", fill="black", font=font)
    for stamp in sorted({p[0] for p in points})[:: max(1, len(points) // 8)]:
        draw.text((x(stamp) - 15, bottom + 5), stamp.strftime("%m-%d"), fill="black", font=font)
    for i, (name, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        line = [(x(t), y(v)) for t, v in sorted(values)]
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for px, py in line:
            draw.ellipse((px - 2, py - 2, px + 2, py + 2), fill=colour)
        draw.text((left + 10 + 150 * i, bottom + 25), f"— {name}", fill=colour, font=font)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
