"""The /stats chart: a real PNG, drawn with the CJK font the project installs."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime

import pytest
from matplotlib.font_manager import findfont
from matplotlib.text import Text
from PIL import Image

from services.reports import Report, ReportService, month_period
from services.reports.charts import FONT_FILE, chart_figure, cjk_font_path, render_chart
from storage import Database
from tests.services import report_tickets as data

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def october(sqlite_database: Database) -> Report:
    await data.add_october(sqlite_database)
    return await ReportService(sqlite_database, lambda: data.NOW).report(month_period(2026, 10))


def test_the_font_is_the_installed_noto_sans_cjk() -> None:
    path = cjk_font_path()
    assert path.name == FONT_FILE and path.stat().st_size > 10_000_000
    assert "mplfonts" in path.parts


async def test_chart_is_a_png_with_content(october: Report) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
        png = render_chart(october)
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    assert image.size == (1000, 480)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # bars, text and anti-aliasing


async def test_every_chinese_label_resolves_to_the_cjk_font(october: Report) -> None:
    figure = chart_figure(october)
    figure.canvas.draw()
    drawn = [t for t in figure.findobj(Text) if t.get_visible()]  # not the right-hand labels
    texts = [t for t in drawn if any("\u4e00" <= c <= "\u9fff" for c in t.get_text())]
    shown = {t.get_text() for t in texts}
    assert {"噪音扰民", "按分类", "受理", "已解决"} <= shown
    assert any("响应率 71.4%" in s for s in shown)
    for text in texts:
        assert findfont(text.get_fontproperties()) == str(cjk_font_path()), text.get_text()


async def test_an_empty_period_still_draws(sqlite_database: Database) -> None:
    service = ReportService(sqlite_database, lambda: datetime(2026, 11, 2, tzinfo=UTC))
    png = render_chart(await service.report(month_period(2026, 10)))
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000
