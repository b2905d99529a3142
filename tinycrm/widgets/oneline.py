"""One line of stored text, cut to the widget's width.

CSS's ``text-overflow: ellipsis`` cuts a double-width (CJK, emoji) character
in half and leaves a gap before the "…"; this cuts whole characters, as the
tables do (``fit``)."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from .text import fit, plain


class OneLine(Widget):
    DEFAULT_CSS = """
    OneLine {
        height: 1;
    }
    """

    def __init__(self, text: object, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = plain(text)

    def render(self) -> Content:
        return Content(fit(self.text, self.size.width).rstrip())
