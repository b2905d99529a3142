"""The TOML config file: stages, tiers, cadences, rules, SMTP and key bindings.

Secrets never live here (see ``secrets.py``). An absent file means defaults.
Example::

    [crm]
    stages = ["lead", "qualified", "customer", "churned", "lost"]
    tiers = ["vip", "standard", "low"]
    date_order = "day-first"   # 03/04/1985 is 3 April (default: the locale's)

    [cadence]          # keep-in-touch defaults per tag
    investor = "30d"
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import config_path
from .store.errors import TinyCRMError
from .store.settings import DEFAULT_STAGES, DEFAULT_TIERS, StoreSettings
from .store.when import MAX_PERIOD_DAYS


class ConfigError(TinyCRMError):
    pass


# The tables tinycrm reads, and the keys of those whose keys are fixed
# ([cadence]'s are tags, [keymap]'s binding ids and [[rules]]' are checked
# where they are read). A key it doesn't know is a typo that would otherwise
# be ignored without a word: `idle-days = 60` reporting on 30 days.
TABLES = ("crm", "cadence", "rules", "report", "smtp", "keymap")
KEYS = {
    "crm": ("stages", "tiers", "default_stage", "default_tier", "date_order"),
    "report": ("idle_days", "won_stage"),
    "smtp": ("host", "port", "security", "username", "from", "to", "timeout", "helo", "owners"),
}
_REFUSED_BY_SMTP = "password"  # (known, and refused by smtp.py saying where it goes)


@dataclass(frozen=True)
class Config:
    path: Path
    data: dict[str, Any] = field(default_factory=dict, hash=False)
    text: str = field(default="", hash=False, repr=False)

    def where(self, table: str, *key: str, index: int | None = None) -> str:
        """``PATH:LINE`` of the line that sets ``key`` in ``[table]`` (or opens
        ``[table]``; in its ``index``-th entry for ``[[table]]``), for a
        message; ``PATH`` alone when no line says it (an entry of an array
        written inline, ``rules = [{ ... }]``)."""
        line = self.line_of(table, *key, index=index)
        return f"{self.path}:{line}" if line else str(self.path)

    def line_of(self, table: str, *key: str, index: int | None = None) -> int | None:
        """The line (from 1) that ``where`` names, or None."""
        return _line_of(self.text, table, *key, index=index)

    def rule_where(self, number: int, key: str | None = None) -> str:
        """``where`` for the ``number``-th ``[[rules]]`` entry's ``key``, or
        for its header (the rule as a whole)."""
        return self.where("rules", *filter(None, [key]), index=number)

    def unknown_key(self, table: str) -> str | None:
        """The message for the first key of ``[table]`` that tinycrm doesn't
        know, if any."""
        known = KEYS[table]
        value = self.data.get(table)
        unknown = ([k for k in value
                    if k not in known and (table, k) != ("smtp", _REFUSED_BY_SMTP)]
                   if isinstance(value, dict) else [])
        if not unknown:
            return None
        return (f"{self.where(table, unknown[0])}: [{table}] {unknown[0]}: unknown key"
                f" (known: {', '.join(known)})")

    def smtp_section(self) -> dict[str, Any]:
        problem = self.unknown_key("smtp")
        if problem:
            raise ConfigError(problem)
        return self.section("smtp")

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.where(name)}: [{name}] must be a table")
        return value

    def _str_list(self, section: str, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.section(section).get(key)
        if value is None:
            return default
        where = f"{self.where(section, key)}: [{section}] {key}"  # (with its line, as any mistake)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where} must be a list of names")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            # (A lifecycle with a stage twice has no order; the app's lists need each once.)
            raise ConfigError(f"{where} names {', '.join(map(repr, twice))} more than once")
        return tuple(value)

    def unknown_table(self) -> str | None:
        """The warning for the first table (or key outside any table) tinycrm
        doesn't know: said by every command, stopping none (cron's reminders
        go out whatever a misspelt table heading meant to set)."""
        for name, value in self.data.items():
            if name not in TABLES:
                what = f"[{name}]: unknown table" if isinstance(value, dict) else (
                    f"{name}: a key outside any table")
                return (f"{self.where(name)}: {what}, ignored (tinycrm's tables:"
                        f" {', '.join(TABLES)})")
        return None

    def store_settings(self) -> StoreSettings:
        crm = self.section("crm")
        problem = self.unknown_key("crm")
        if problem:
            raise ConfigError(problem)
        stages = self._str_list("crm", "stages", DEFAULT_STAGES)
        tiers = self._str_list("crm", "tiers", DEFAULT_TIERS)
        default_stage = crm.get("default_stage", stages[0])
        default_tier = crm.get("default_tier", "standard" if "standard" in tiers else tiers[0])
        if default_stage not in stages:
            raise ConfigError(f"{self.where('crm', 'default_stage')}: [crm] default_stage"
                              f" {default_stage!r} is not a stage")
        if default_tier not in tiers:
            raise ConfigError(f"{self.where('crm', 'default_tier')}: [crm] default_tier"
                              f" {default_tier!r} is not a tier")
        cadence: dict[str, int] = {}
        for tag, text in self.section("cadence").items():
            cadence[str(tag).lower()] = parse_days(
                str(text), where=f"{self.where('cadence', tag)}: [cadence] {tag}")
        rules = self.data.get("rules")
        if rules is not None and not (isinstance(rules, list) and all(isinstance(r, dict) for r in rules)):
            raise ConfigError(f"{self.where('rules')}: [[rules]] must be an array of tables")
        order = crm.get("date_order", "auto")
        if order not in DATE_ORDERS:
            raise ConfigError(f"{self.where('crm', 'date_order')}: [crm] date_order must be one of"
                              f" {', '.join(DATE_ORDERS)}, got {order!r}")
        # (Each said with its file and line, as every other mistake in the file.)
        report, problems = self.data.get("report", {}), []
        if not isinstance(report, dict):
            problems.append(f"{self.where('report')}: [report] must be a table")
            report = {}
        unknown = [k for k in report if k not in KEYS["report"]]
        if unknown:
            problems.append(self.unknown_key("report"))
        won_stage = report.get("won_stage")
        if won_stage is not None and won_stage not in stages:
            problems.append(f"{self.where('report', 'won_stage')}: [report] won_stage"
                            f" {won_stage!r} is not a stage")
            won_stage = None
        idle_days = report.get("idle_days", 30)
        if (not isinstance(idle_days, int) or isinstance(idle_days, bool)
                or not 1 <= idle_days <= MAX_PERIOD_DAYS):
            problems.append(f"{self.where('report', 'idle_days')}: [report] idle_days must be a"
                            f" whole number of days, from 1 to {MAX_PERIOD_DAYS}")
            idle_days = 30
        problem = "; ".join(problems) if problems else None
        return StoreSettings(
            stages=stages, tiers=tiers, default_stage=default_stage,
            default_tier=default_tier, tag_cadence=cadence,
            rules=None if rules is None else tuple(rules),
            day_first=day_first(order), won_stage=won_stage, idle_days=idle_days,
            report_problem=problem, rule_where=self.rule_where,
        )


DATE_ORDERS = ("auto", "day-first", "month-first")

# Where 03/04/1985 is March 4 (the United States and the places that
# write dates its way). Elsewhere it is 3 April.
_MONTH_FIRST_TERRITORIES = frozenset(("US", "AS", "GU", "MP", "PR", "UM", "VI", "PH", "FM",
                                      "MH", "PW"))


def day_first(order: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether a slash date that could be read either way is day first:
    ``order`` says, or with ``auto`` the locale's dates do (``LC_ALL``, then
    ``LC_TIME``, then ``LANG``: ``en_GB.UTF-8`` is day first). A locale with
    no territory (``C``, ``POSIX``, unset) keeps the month first."""
    if order != "auto":
        return order == "day-first"
    locale = next((v for v in (environ.get(k) for k in ("LC_ALL", "LC_TIME", "LANG")) if v), "")
    territory = locale.split(".")[0].split("@")[0].partition("_")[2]
    return bool(territory) and territory.upper() not in _MONTH_FIRST_TERRITORIES


def parse_days(text: str, *, where: str) -> int:
    """``30d``, ``2w``, ``3m`` (months of 30 days) or a bare number of days,
    at most ``MAX_PERIOD_DAYS``."""
    value = text.strip().lower()
    units = {"d": 1, "w": 7, "m": 30, "y": 365}
    try:
        if value and value[-1] in units:
            days = int(value[:-1]) * units[value[-1]]
        else:
            days = int(value)
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not a period like 30d, 2w or 3m") from None
    if days <= 0:
        raise ConfigError(f"{where}: a period must be positive")
    if days > MAX_PERIOD_DAYS:
        raise ConfigError(f"{where}: {text!r} is too long: at most {MAX_PERIOD_DAYS} days (10 years)")
    return days


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"can't read config {path}: {exc.strerror}") from None
    try:
        # (utf-8-sig: Notepad starts a file it saves as UTF-8 with a BOM, which
        # TOML doesn't allow and tomllib calls an "invalid statement".)
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        # (Its line, as any mistake's: not "position 1234" of the file's bytes.
        # exc.object: the bytes after a BOM, which exc.start counts in.)
        line = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid TOML: not UTF-8 (saved in another"
                          " encoding?)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    return Config(path=path, data=data, text=raw.decode("utf-8-sig"))


# A key or a table's name: bare or quoted parts joined by dots (`owners.bob`,
# `"a.b".c`). A header must close on its line: `["x"],` in a long array isn't one.
_PART = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_NAME = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_NAME})\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_NAME})\s*=")


def _parts(name: str) -> tuple[str, ...]:
    return tuple(part[1:-1] if part[0] in "\"'" else part for part in re.findall(_PART, name))


def _line_of(text: str, table: str, *key: str, index: int | None = None) -> int | None:
    """The line number (from 1) of the first line that sets ``key`` (its
    parts: ``"owners", "bob"``) in ``[table]``, or something within it (a
    dotted ``owners.bob =``, a ``[smtp.owners]`` header), or the inline
    table that holds it (``owners = { bob = ... }``); without a key, of
    ``[table]`` itself (or a top-level ``table =``). ``index`` (from 1) looks
    only in the index-th ``[[table]]`` of an array of tables."""
    wanted = (table, *key)
    current: tuple[str, ...] = ()
    element = 0  # (how many [[table]] headers so far)
    closing = None  # (the quotes that end a multi-line string being skipped)
    for number, line in enumerate(text.split("\n"), 1):  # (TOML's newlines alone)
        if closing:
            closing = None if closing in line else closing
            continue
        header, pair = _HEADER.match(line), _KEY.match(line)
        if header:
            current = _parts(header.group(2))
            if header.group(1) == "[[" and current == (table,):
                element += 1
            path = current
            holds = False
        elif pair:
            path = (*current, *_parts(pair.group(1)))
            closing = _opens_multiline(line[pair.end():])
            # (`owners = { bob = "..." }`: the key is in the inline table this
            # line sets, which TOML keeps on one line.)
            holds = wanted[:len(path)] == path
        else:
            continue
        if (path[:len(wanted)] == wanted or holds) and index in (None, element):
            return number
    return None


def _opens_multiline(value: str) -> str | None:
    """The quotes that close the multi-line string ``value`` opens and doesn't
    close on its line, if it does: its lines may look like keys or headers."""
    value = value.lstrip()
    for quotes in ('"""', "'''"):
        if value.startswith(quotes) and value.count(quotes) == 1:
            return quotes
    return None
