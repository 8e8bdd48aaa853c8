"""SVG charts for the PDF reports. Python computes the geometry; the template
`reports/pdf/chart.svg.html` draws it, so every label goes through Django's
autoescaping. Vector shapes and text only: no bitmaps, nothing fetched.

Every label is in the active language (reports.documents renders under the
report's language), numbers and amounts as core.formatting writes them, and
each chart's `description` states its figures: the text alternative that a
reader of the PDF gets instead of the drawing."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.charts import BLUE, GRID, INK, MUTED, NAVY, Chart, Line, Rect, Text
from core.formatting import format_money, format_number, format_percent, format_quantity
from core.money import percent

# Publication palette (also in static/reports/pdf.css).
GOLD = "#e0a526"
TEAL = "#2a9d8f"
GREY = "#d9dee5"


WIDTH = 480.0
LABEL_WIDTH = 150.0
VALUE_WIDTH = 78.0


def _nice_step(maximum: Decimal, ticks: int = 5) -> Decimal:
    """A round axis step (1, 2, 2.5 or 5 × 10^n) giving about `ticks` intervals."""
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / ticks
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.1")
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def millions(amount: Decimal) -> str:
    """8480000 -> '8.48 M' (en) or '8,48 mln.' (lt); small amounts in thousands."""
    if amount >= 1_000_000:
        return _("%(amount)s M") % {"amount": format_number(Decimal(amount) / 1_000_000, 2)}
    if amount >= 1_000:
        return _("%(amount)s k") % {"amount": format_number(Decimal(amount) / 1_000, 0)}
    return format_number(amount, 0)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _legend(chart: Chart, y: float, items: list[tuple[str, str]], x: float = LABEL_WIDTH) -> None:
    for colour, label in items:
        chart.rects.append(Rect(x, y - 6.5, 9, 7, colour))
        chart.texts.append(Text(x + 12, y, label, size=7, fill=MUTED))
        x += 18 + len(label) * 4.1


def finance_chart(instruments) -> Chart:
    """Allocation, contracted grant and paid per instrument, on one EUR scale:
    a light bar for the allocation, a dark bar for what is contracted inside it,
    and a narrow gold bar for what has been paid."""
    rows = list(instruments)
    top = 26.0
    row_height = 30.0
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = top + row_height * max(len(rows), 1) + 22
    figures = "; ".join(
        _("%(instrument)s: allocation %(allocation)s, contracted grant %(contracted)s, paid %(paid)s")
        % {
            "instrument": f"{row.name} ({row.code})",
            "allocation": format_money(row.allocation_amount),
            "contracted": format_money(row.grant_total),
            "paid": format_money(row.paid_total),
        }
        for row in rows
    )
    chart = Chart(
        title=_("Allocation, contracted grant and payments by instrument (EUR)"),
        description=_("Horizontal bars per instrument: allocation, contracted grant and amount paid.")
        + (f" {figures}." if figures else ""),
        width=WIDTH,
        height=height,
    )
    _legend(chart, 10, [(GREY, _("Allocation")), (NAVY, _("Contracted grant")), (GOLD, _("Paid"))])
    maximum = max([max(r.allocation_amount, r.grant_total) for r in rows] + [Decimal(1)])
    step = _nice_step(maximum)
    scale_max = step * ((maximum / step).to_integral_value(rounding="ROUND_CEILING"))
    bottom = top + row_height * max(len(rows), 1)

    def x_of(amount: Decimal) -> float:
        return LABEL_WIDTH + float(amount / scale_max) * plot_width

    tick = Decimal(0)
    while tick <= scale_max:
        x = x_of(tick)
        chart.grid.append(Line(x, top - 2, x, bottom, GRID, 0.4, "2,2"))
        chart.texts.append(Text(x, bottom + 10, millions(tick) if tick else "0", size=6.5, anchor="middle", fill=MUTED))
        tick += step
    for index, row in enumerate(rows):
        y = top + index * row_height + 4
        chart.texts.append(Text(LABEL_WIDTH - 6, y + 9, _shorten(row.name, 30), size=7.5, anchor="end"))
        chart.texts.append(Text(LABEL_WIDTH - 6, y + 18, row.code, size=6.5, anchor="end", fill=MUTED))
        chart.rects.append(Rect(LABEL_WIDTH, y, x_of(row.allocation_amount) - LABEL_WIDTH, 18, GREY))
        chart.rects.append(Rect(LABEL_WIDTH, y + 3, x_of(row.grant_total) - LABEL_WIDTH, 12, NAVY))
        chart.rects.append(Rect(LABEL_WIDTH, y + 7, x_of(row.paid_total) - LABEL_WIDTH, 4, GOLD))
        label_x = WIDTH - VALUE_WIDTH + 6
        contracted = _("%(amount)s contracted") % {"amount": millions(row.grant_total)}
        paid = _("%(amount)s paid") % {"amount": millions(row.paid_total)}
        chart.texts.append(Text(label_x, y + 8, contracted, size=6.5))
        chart.texts.append(Text(label_x, y + 17, paid, size=6.5, fill=MUTED))
    chart.lines.append(Line(LABEL_WIDTH, top - 2, LABEL_WIDTH, bottom, INK, 0.6))
    return chart


CAP = Decimal(150)
# Axis tick labels and the payment chart's share.
TICK = {"size": 6.5, "anchor": "middle", "fill": MUTED}
BOLD = {"size": 8, "weight": "bold"}


def _indicator_figure(indicator) -> str:
    share = percent(indicator.achieved, indicator.target)
    values = {
        "indicator": f"{indicator.code} {indicator.name}",
        "achieved": format_quantity(indicator.achieved),
        "target": format_quantity(indicator.target),
        "share": format_percent(share),
    }
    if share is None:
        return _("%(indicator)s: achieved %(achieved)s, no target set") % values
    return _("%(indicator)s: achieved %(achieved)s of %(target)s (%(share)s)") % values


def _target_figure(target) -> str:
    values = {"target_text": target.text, "target": format_percent(target.target)}
    if target.actual is None:
        return _("%(target_text)s: target %(target)s, no data") % values
    return _("%(target_text)s: current %(actual)s, target %(target)s") % {
        **values,
        "actual": format_percent(target.actual),
    }


def indicator_chart(instruments) -> Chart:
    """Each indicator's achievement as % of its target, 0–150 % with the 100 %
    line marked; values above the scale are drawn to its end and labelled."""
    items = [indicator for row in instruments for indicator in row.indicators]
    top = 26.0
    row_height = 17.0
    label_width = 210.0
    plot_width = WIDTH - label_width - 50
    bottom = top + row_height * max(len(items), 1)
    figures = "; ".join(_indicator_figure(indicator) for indicator in items)
    chart = Chart(
        title=_("Indicators: achieved as a percentage of the target"),
        description=_("Horizontal bars per indicator: achieved value as a percentage of the target.")
        + (f" {figures}." if figures else ""),
        width=WIDTH,
        height=bottom + 22,
    )
    _legend(chart, 10, [(TEAL, _("Target reached")), (BLUE, _("Below target"))], x=label_width)

    def x_of(value: Decimal) -> float:
        return label_width + float(min(value, CAP) / CAP) * plot_width

    for tick in range(0, 151, 25):
        x = x_of(Decimal(tick))
        chart.grid.append(Line(x, top - 2, x, bottom, GRID, 0.4, "2,2"))
        chart.texts.append(Text(x, bottom + 10, f"{format_number(tick, 0)} %", **TICK))
    for index, indicator in enumerate(items):
        y = top + index * row_height + 3
        share = percent(indicator.achieved, indicator.target)
        label = f"{indicator.code}  {_shorten(indicator.name, 50)}"
        chart.texts.append(Text(label_width - 6, y + 8, label, size=6.5, anchor="end"))
        if share is None:
            chart.texts.append(Text(label_width + 4, y + 8, _("no target set"), size=6.5, fill=MUTED))
            continue
        colour = TEAL if share >= 100 else BLUE
        chart.rects.append(Rect(label_width, y, max(x_of(share) - label_width, 0.5), 10, colour))
        text = format_percent(share) + (" ▸" if share > CAP else "")
        chart.texts.append(Text(label_width + plot_width + 8, y + 8, text, size=6.5, weight="bold"))
    hundred = x_of(Decimal(100))
    chart.lines.append(Line(hundred, top - 4, hundred, bottom + 2, INK, 0.9))
    chart.lines.append(Line(label_width, top - 2, label_width, bottom, INK, 0.6))
    return chart


def targets_chart(targets) -> Chart:
    """National targets expressed in % of clusters: current share as a bar,
    the target as a vertical mark."""
    items = [t for t in targets if t.is_percent]
    top = 26.0
    row_height = 20.0
    label_width = 210.0
    plot_width = WIDTH - label_width - VALUE_WIDTH
    bottom = top + row_height * max(len(items), 1)
    figures = "; ".join(_target_figure(target) for target in items)
    chart = Chart(
        title=_("Cluster landscape against the national targets (%)"),
        description=_("Horizontal bars: current share per target, with the target value marked.")
        + (f" {figures}." if figures else ""),
        width=WIDTH,
        height=bottom + 22,
    )
    _legend(chart, 10, [(TEAL, _("Target met")), (BLUE, _("Not yet met")), (GOLD, _("Target"))], x=label_width)

    def x_of(value: Decimal) -> float:
        return label_width + float(min(max(value, Decimal(0)), Decimal(100)) / 100) * plot_width

    for tick in range(0, 101, 20):
        x = x_of(Decimal(tick))
        chart.grid.append(Line(x, top - 2, x, bottom, GRID, 0.4, "2,2"))
        chart.texts.append(Text(x, bottom + 10, f"{format_number(tick, 0)} %", **TICK))
    for index, target in enumerate(items):
        y = top + index * row_height + 4
        chart.texts.append(Text(label_width - 6, y + 8, _shorten(target.text, 60), size=6.5, anchor="end"))
        if target.actual is not None:
            colour = TEAL if target.met else BLUE
            chart.rects.append(Rect(label_width, y, max(x_of(target.actual) - label_width, 0.5), 11, colour))
            chart.texts.append(
                Text(
                    WIDTH - VALUE_WIDTH + 6,
                    y + 8,
                    f"{format_percent(target.actual)} / {format_number(target.target, 0)} %",
                    size=6.5,
                )
            )
        else:
            chart.texts.append(Text(WIDTH - VALUE_WIDTH + 6, y + 8, _("no data"), size=6.5, fill=MUTED))
        mark = x_of(target.target)
        chart.lines.append(Line(mark, y - 2, mark, y + 13, GOLD, 2.2))
    chart.lines.append(Line(label_width, top - 2, label_width, bottom, INK, 0.6))
    return chart


def payment_chart(grant: Decimal, paid: Decimal) -> Chart:
    """One bar: the share of a project's grant paid so far."""
    share = percent(paid, grant) or Decimal(0)
    chart = Chart(
        title=_("Grant paid"),
        description=_("Bar: amount paid as a share of the grant.")
        + " "
        + _("Paid %(paid)s of the grant of %(grant)s (%(share)s).")
        % {"paid": format_money(paid), "grant": format_money(grant), "share": format_percent(share)},
        width=WIDTH,
        height=34,
    )
    left, plot_width = 0.0, WIDTH - 90
    chart.rects.append(Rect(left, 6, plot_width, 14, GREY))
    chart.rects.append(Rect(left, 6, plot_width * float(min(share, Decimal(100)) / 100), 14, NAVY))
    chart.texts.append(Text(plot_width + 8, 17, _("%(share)s paid") % {"share": format_percent(share)}, **BOLD))
    chart.texts.append(Text(left, 31, "0", size=6.5, fill=MUTED))
    chart.texts.append(Text(plot_width, 31, format_money(grant), size=6.5, anchor="end", fill=MUTED))
    return chart
