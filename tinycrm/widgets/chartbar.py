"""A horizontal bar for bar charts: filled to ``value / total`` of its width.

Textual's ProgressBar is built for tasks: it keeps an ETA timer per bar, and
its inner Bar rounds the fraction to the width it has *when the value is set*.
A value set before the scrollbar appears is then drawn half a cell off once
the layout settles, so the same report could paint two ways. This bar keeps
the exact fraction and rounds only when it renders, at the width it has then.
"""

from __future__ import annotations

from rich.style import Style
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.widget import Widget


class ChartBar(Widget):
    DEFAULT_CSS = """
    ChartBar {
        width: 1fr;
        height: 1;
        &> .chart-bar--bar {
            color: $primary;
            background: $surface;
        }
    }
    """
    COMPONENT_CLASSES = {"chart-bar--bar"}

    value: reactive[float] = reactive(0.0)
    total: reactive[float] = reactive(1.0)

    def set(self, value: float, total: float) -> None:
        self.total = max(total, 1)
        self.value = max(0.0, min(value, self.total))

    @property
    def fraction(self) -> float:
        return self.value / self.total

    def render(self) -> Bar:
        style = self.get_component_rich_style("chart-bar--bar")
        return Bar(
            highlight_range=(0, self.size.width * self.fraction),
            highlight_style=Style.from_color(style.color),
            background_style=Style.from_color(style.bgcolor),
        )
