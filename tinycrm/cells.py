"""Text measured in terminal cells, as rich measures it (a CJK letter takes
two, a mark on the letter before it none): the app's tables and the CLI's
line up the same way. Only rich's tables, not Textual: the CLI imports this
when a table has a letter beyond ASCII."""

from __future__ import annotations

from rich.cells import cell_len, chop_cells, set_cell_size


def cells(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def fit(text: str, width: int, mark: str = "…") -> str:
    """``text`` padded or cut to ``width`` cells, a cut ending in ``mark``."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        # Whole characters only: set_cell_size pads half a wide (CJK, emoji)
        # character with a space, which left a gap before the "…".
        # (A cell too narrow for more is the mark alone: chop_cells can't cut to 0 cells.)
        kept = chop_cells(text, width - len(mark))[0] if width > len(mark) else ""
        return set_cell_size(kept + mark, width)
    return set_cell_size(text, width)
