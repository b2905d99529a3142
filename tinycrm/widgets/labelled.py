"""Lines of label and value, whose values wrap in a column of their own.

A Static of plain lines wraps a long value to the widget's left edge, under
the labels: in a pane 30 cells wide an address or a date and time lost its
label's line. Wrapping is done here, at the width the pane has when drawn.
"""

from __future__ import annotations

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual


class LabelledLines(Visual):
    """``rows``: (label, value); each label is ``indent`` cells wide (padded
    as given), a value may hold several lines (one address each)."""

    def __init__(self, rows: list[tuple[Content, Content]], indent: int) -> None:
        self.rows = rows
        self.indent = indent
        self._laid_out: tuple[int, Content] | None = None

    def lay_out(self, width: int | None = None) -> Content:
        """The rows as lines, values wrapped to fit ``width`` (None: unwrapped)."""
        if width is not None and self._laid_out and self._laid_out[0] == width:
            return self._laid_out[1]
        room = None if width is None else max(1, width - self.indent)
        blank = Content(" " * self.indent)
        lines: list[Content] = []
        for label, value in self.rows:
            first = True
            for part in value.split("\n"):
                for line in [part] if room is None else part.wrap(room) or [part]:
                    lines.append((label if first else blank) + line)
                    first = False
        laid_out = Content("\n").join(lines)
        if width is not None:
            self._laid_out = (width, laid_out)
        return laid_out

    def __str__(self) -> str:
        return str(self.lay_out())

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        return self.lay_out(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.lay_out().get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.lay_out(width).get_height(rules, width)
