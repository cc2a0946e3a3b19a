"""The /stats chart: the period's trend and its breakdown by category, as a PNG.

Chinese labels are drawn with Noto Sans CJK SC from the ``mplfonts`` package, loaded by
file path: the chart never depends on what fonts the machine happens to have (a server
without CJK fonts would draw boxes) and never downloads anything. matplotlib is imported
inside the functions, with the Agg canvas and no pyplot (no global state, safe in a worker
thread), so only the first chart pays for loading it.
"""

from __future__ import annotations

import importlib.util
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from services.reports import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

FONT_FILE = "NotoSansCJKsc-Regular.otf"
_MAX_CATEGORIES = 8


class ChartFontMissing(RuntimeError):
    """The CJK font file is not installed (the ``mplfonts`` dependency is missing)."""


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Where Noto Sans CJK SC is installed (inside the mplfonts package, not imported)."""
    spec = importlib.util.find_spec("mplfonts")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise ChartFontMissing(f"{FONT_FILE} not found: install the mplfonts package")


def cjk_font() -> FontProperties:
    """The font every label of the chart is drawn with."""
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(cjk_font_path()))


def chart_figure(report: Report) -> Figure:
    """The chart as a matplotlib Figure (tests inspect it; ``render_chart`` draws it)."""
    from matplotlib.figure import Figure

    font = cjk_font()
    figure = Figure(figsize=(10, 4.8), dpi=100, layout="constrained")
    trend_axes, category_axes = figure.subplots(1, 2, width_ratios=(3, 2))
    figure.suptitle(_title(report), fontproperties=font, fontsize=13)
    _draw_trend(trend_axes, report, font)
    _draw_categories(category_axes, report, font)
    for axes in (trend_axes, category_axes):
        for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
            label.set_fontproperties(font)
    return figure


def render_chart(report: Report) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    # A Figure made without pyplot saves through the Agg canvas for "png".
    chart_figure(report).savefig(buffer, format="png")
    return buffer.getvalue()


def _title(report: Report) -> str:
    f = report.totals
    rates = "  ".join(
        f"{name} {'—' if rate is None else f'{rate * 100:.1f}%'}"
        for name, rate in (
            ("响应率", f.response_rate),
            ("解决率", f.resolution_rate),
            ("满意率", f.satisfaction_rate),
        )
    )
    return f"{report.period.label}  受理 {f.received} 件  {rates}"


def _draw_trend(axes: object, report: Report, font: FontProperties) -> None:
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator

    assert isinstance(axes, Axes)
    days = [p.start.strftime("%m-%d") for p in report.trend]
    positions = range(len(days))
    axes.bar(positions, [p.received for p in report.trend], color="#9ecae1", label="受理")
    axes.bar(positions, [p.resolved for p in report.trend], color="#31a354", width=0.4,
             label="其中已解决")  # fmt: skip
    step = max(1, len(days) // 8)
    axes.set_xticks(list(positions)[::step], days[::step])
    axes.set_title("每日受理与解决" if len(days) <= 31 else "每周受理与解决", fontproperties=font)
    axes.set_ylabel("件", fontproperties=font)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(prop=font, loc="upper left")


def _draw_categories(axes: object, report: Report, font: FontProperties) -> None:
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator

    assert isinstance(axes, Axes)
    groups = list(report.by_category[:_MAX_CATEGORIES])[::-1]  # largest at the top
    axes.set_title("按分类", fontproperties=font)
    if not groups:
        axes.text(0.5, 0.5, "本期没有工单", ha="center", va="center", fontproperties=font,
                  transform=axes.transAxes)  # fmt: skip
        axes.set_xticks([])
        axes.set_yticks([])
        return
    positions = range(len(groups))
    axes.barh(positions, [g.figures.received for g in groups], color="#9ecae1", label="受理")
    axes.barh(positions, [g.figures.resolved for g in groups], color="#31a354", height=0.4,
              label="已解决")  # fmt: skip
    axes.set_yticks(list(positions), [g.title for g in groups])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(prop=font, loc="lower right")
