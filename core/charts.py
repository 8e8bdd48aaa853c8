"""The shapes of Fondas's server-drawn SVG charts (report charts in
reports.charts, the scorecard's trends in clusters.charts): Python computes the
geometry, a template draws these shapes, so every label goes through Django's
autoescaping. Vector shapes and text only: no bitmaps, nothing fetched."""

from dataclasses import dataclass, field

# Publication palette shared by the pages and the PDFs (also in static/reports/pdf.css).
NAVY = "#1d3557"
BLUE = "#457b9d"
INK = "#222222"
MUTED = "#5b6573"
GRID = "#c9ced6"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 0.6
    dash: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 7.5
    anchor: str = "start"
    fill: str = INK
    weight: str = "normal"


@dataclass
class Chart:
    """A drawing in points (1/72 in); the template scales it to the width it
    has. `description` states the figures: the text alternative of the drawing.
    `slug` names it where a page holds several (ids of its title and description)."""

    title: str
    description: str
    width: float
    height: float
    grid: list[Line] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    slug: str = ""
