"""Outlook exports in other languages: a German Outlook writes ``Vorname``,
``Nachname`` and ``E-Mail-Adresse`` where an English one writes ``First Name``,
``Last Name`` and ``E-mail Address``, in the Windows code page of its language.

``outlook_headers.json`` holds each language's headers (33 languages, every
one of Exchange's Outlook CSV import but English and Greek) and the English
header each stands for. No header means two things across the languages, so
one table serves them all. Headers are compared as ``norm_header`` leaves them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

# Fewer localised headers than this is a file of its own, not an Outlook export:
# two already name a contact's parts (Vorname, Nachname).
_ENOUGH = 2


_CELLS = re.compile(r"[,;\t]")
# Romanian's s and t with a comma below (Unicode's own) and with a cedilla
# (the only ones Windows-1250 has) are one letter to a reader.
_COMMA_BELOW = str.maketrans("șțȘȚ", "şţŞŢ")


def _key(name: str) -> str:
    return name.translate(_COMMA_BELOW)


@cache
def _table() -> dict:
    return json.loads((Path(__file__).parent / "outlook_headers.json").read_text("utf-8"))


def english_headers(names: Sequence[str]) -> list[str] | None:
    """``names`` (normalised headers) with an Outlook export's localised ones
    in English, or None when there aren't enough of them to tell. French
    Outlook writes "Titre" twice, for Mr or Dr and then for the job; so does
    any language whose word for the job appears twice."""
    table = _table()["headers"]
    keys = [_key(name) for name in names]
    if sum(key in table for key in keys) < _ENOUGH:
        return None
    english = [table.get(key, name) for key, name in zip(keys, names)]
    jobs = [i for i, name in enumerate(english) if name == "job title" and keys[i] in table]
    if len(jobs) > 1 and "title" not in english:
        english[jobs[0]] = "title"
    return english


def header_code_page(first_line: bytes, norm: Callable[[str], str]) -> str | None:
    """The code page, other than Windows-1252, in which ``first_line`` reads as
    the most localised Outlook headers (Polish in 1250, Russian in 1251,
    Japanese in 932), or None when none reads more of them than 1252 does."""
    table = _table()["headers"]

    def found(codec: str) -> int:
        text = first_line.decode(codec, errors="replace")
        return sum(_key(norm(cell.strip('"'))) in table for cell in _CELLS.split(text))

    best, most = None, max(found("cp1252"), _ENOUGH - 1)
    for codec in _table()["code_pages"]:
        count = found(codec)
        if count > most:
            best, most = codec, count
    return best
