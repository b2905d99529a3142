"""A sparkline of counts drawn against a scale it is given: zero to ``top``.

Textual's Sparkline scales each series from its own minimum to its own
maximum, and draws a series of one value as a full bar. In a report that
stacks several series (new contacts, calls, emails per month) that made a
month of zero calls look like the busiest row, and 2 calls every month look
like none. Here every row of a chart shares one scale, so heights compare
across rows; a zero is drawn as nothing, and any count above zero as at
least the lowest bar, so a quiet month can't be mistaken for an empty one.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BARS = "▁▂▃▄▅▆▇█"


def cells(values: Sequence[int], top: int, width: int) -> str:
    """``values`` spread over ``width`` cells (each cell the largest value it
    covers), each drawn as a bar of height value/top, rounded up."""
    if not values or width <= 0:
        return " " * max(0, width)
    top = max(top, *values, 1)
    out = []
    for i in range(width):
        lo = i * len(values) // width
        hi = max(lo + 1, (i + 1) * len(values) // width)
        value = max(values[lo:hi])
        out.append(" " if value <= 0 else BARS[-(-value * len(BARS) // top) - 1])
    return "".join(out)


class ScaledSparkline(Widget):
    DEFAULT_CSS = """
    ScaledSparkline {
        width: 1fr;
        height: 1;
        &> .scaled-sparkline--bar {
            color: $primary;
        }
    }
    """
    COMPONENT_CLASSES = {"scaled-sparkline--bar"}

    values: reactive[tuple[int, ...]] = reactive(())
    top: reactive[int] = reactive(0)

    def set(self, values: Sequence[int], top: int) -> None:
        self.values = tuple(values)
        self.top = top

    def render(self) -> Text:
        style = self.get_component_rich_style("scaled-sparkline--bar")
        return Text(cells(self.values, self.top, self.size.width), Style.from_color(style.color))
