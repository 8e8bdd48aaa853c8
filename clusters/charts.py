"""SVG trend charts of the national scorecard, drawn on the server (no
JavaScript): a column per year-end and one for the scorecard's day, the target
as a line. Python computes the geometry; the templates draw it
(templates/clusters/scorecard/_chart.svg.html on the page,
reports/pdf/chart.svg.html in the PDFs, the same shapes), so every label goes
through Django's autoescaping. `description` lists every value: the text
alternative of the drawing."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.charts import BLUE, GRID, INK, MUTED, NAVY, Chart, Line, Rect, Text
from core.formatting import format_number, format_percent

# Darker than the reports' gold and teal: on the page, bars and lines keep 3:1 against white.
GOLD = "#b07d12"
TEAL = "#2a7d72"


def format_value(value: Decimal | None, is_percent: bool) -> str:
    if value is None:
        return _("no data")
    return format_percent(value) if is_percent else format_number(value, 0)


def format_goal(target) -> str:
    """'> 80 %', '≥ 1': the target as published."""
    value = format_number(target.target, 0)
    return f"{target.comparison_sign} {value} %" if target.is_percent else f"{target.comparison_sign} {value}"


def trend_chart(target, *, width: float = 480.0, height: float = 150.0) -> Chart:
    """The trend of one scorecard target (clusters.selectors.scorecard.ScorecardTarget)."""
    points = target.trend
    values = ", ".join(f"{point.label}: {format_value(point.value, target.is_percent)}" for point in points)
    goal = format_goal(target)
    chart = Chart(
        title=_("%(target)s by year") % {"target": target.text},
        description=_("Columns: the value as of 31 December of each year and on the day; line: the target %(goal)s.")
        % {"goal": goal}
        + (f" {values}." if values else ""),
        width=width,
        height=height,
        slug=target.id,
    )
    left, right, top, bottom = 34.0, 8.0, 10.0, height - 22.0
    plot_width = width - left - right
    known = [point.value for point in points if point.value is not None]
    steps = 4
    if target.is_percent:
        ceiling = Decimal(100)
    else:
        # Whole-number ticks: the ceiling is a multiple of the steps, or the steps are 1 apart.
        top_value = int(max([*known, target.target, Decimal(1)]) * Decimal("1.2")) + 1
        steps = min(4, max(top_value, 2))
        ceiling = Decimal(-(-max(top_value, 2) // steps) * steps)

    def y_of(value: Decimal) -> float:
        share = min(max(value, Decimal(0)), ceiling) / ceiling
        return bottom - float(share) * (bottom - top)

    for step in range(steps + 1):
        value = ceiling * step / steps
        y = y_of(value)
        chart.grid.append(Line(left, y, width - right, y, GRID, 0.4, "2,2"))
        tick = f"{format_number(value, 0)} %" if target.is_percent else format_number(value, 0)
        chart.texts.append(Text(left - 4, y + 2.5, tick, size=6, anchor="end", fill=MUTED))
    if points:
        slot = plot_width / len(points)
        bar = max(min(slot * 0.7, 26.0), 2.0)
        label_every = max(1, (len(points) + 11) // 12)
        for index, point in enumerate(points):
            x = left + slot * index + (slot - bar) / 2
            if point.value is not None:
                met = point.value > target.target if target.comparison == ">" else point.value >= target.target
                y = y_of(point.value)
                chart.rects.append(
                    Rect(x, y, bar, max(bottom - y, 0.5), NAVY if point.is_day else (TEAL if met else BLUE))
                )
            last = index == len(points) - 1
            if index % label_every == 0 or last:
                label = point.label if not point.is_day else _("day")
                chart.texts.append(Text(x + bar / 2, bottom + 9, label, size=5.5, anchor="middle", fill=INK))
        goal_y = y_of(target.target)
        chart.lines.append(Line(left, goal_y, width - right, goal_y, GOLD, 1.4, "4,2"))
        chart.texts.append(
            Text(
                width - right,
                goal_y - 3,
                _("target %(goal)s") % {"goal": goal},
                size=6,
                anchor="end",
                fill=GOLD,
                weight="bold",
            )
        )
    else:
        chart.texts.append(Text(width / 2, (top + bottom) / 2, _("no data"), size=8, anchor="middle", fill=MUTED))
    chart.lines.append(Line(left, bottom, width - right, bottom, INK, 0.6))
    chart.lines.append(Line(left, top, left, bottom, INK, 0.6))
    return chart


def trend_charts(card) -> dict[str, Chart]:
    """A trend chart per measured target of a scorecard, by target id."""
    return {target.id: trend_chart(target) for target in card.targets if target.measured}
