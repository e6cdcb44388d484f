"""The PNG line chart decodes, has the promised size, and draws something for each series."""

import io
from datetime import datetime, timedelta, timezone

from PIL import Image

from commands.charts import SIZE, line_chart

DAY = datetime(2025, 3, 3, tzinfo=timezone.utc)


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_a_chart_is_a_png_of_the_promised_size():
    series = {
        "this week": [(DAY + timedelta(days=i), 1.0 + i / 10) for i in range(7)],
        "last week": [(DAY + timedelta(days=i), 1.2) for i in range(3)],
    }
    image = decoded(line_chart("P95 latency", series, "seconds"))
    assert (image.format, image.size) == ("PNG", SIZE)
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=100_000)}
    assert {(31, 119, 180), (255, 127, 14)} <= colours


def test_a_chart_without_points_still_renders():
    assert decoded(line_chart("Throughput", {"this week": []}, "req/s")).size == SIZE
