"""The TOML config file: stages, tiers, cadences, rules, SMTP and key bindings.

Secrets never live here (see ``secrets.py``). An absent file means defaults.
Example::

    [crm]
    stages = ["lead", "qualified", "customer", "churned", "lost"]
    tiers = ["vip", "standard", "low"]

    [cadence]          # keep-in-touch defaults per tag
    investor = "30d"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import config_path
from .store.errors import TinyCRMError
from .store.settings import DEFAULT_STAGES, DEFAULT_TIERS, StoreSettings
from .store.when import MAX_PERIOD_DAYS


class ConfigError(TinyCRMError):
    pass


@dataclass(frozen=True)
class Config:
    path: Path
    data: dict[str, Any] = field(default_factory=dict, hash=False)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: [{name}] must be a table")
        return value

    def _str_list(self, section: str, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.section(section).get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{self.path}: [{section}] {key} must be a list of names")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            # (A lifecycle with a stage twice has no order; the app's lists need each once.)
            raise ConfigError(f"{self.path}: [{section}] {key} names {', '.join(map(repr, twice))}"
                              " more than once")
        return tuple(value)

    def store_settings(self) -> StoreSettings:
        crm = self.section("crm")
        stages = self._str_list("crm", "stages", DEFAULT_STAGES)
        tiers = self._str_list("crm", "tiers", DEFAULT_TIERS)
        default_stage = crm.get("default_stage", stages[0])
        default_tier = crm.get("default_tier", "standard" if "standard" in tiers else tiers[0])
        if default_stage not in stages:
            raise ConfigError(f"{self.path}: [crm] default_stage {default_stage!r} is not a stage")
        if default_tier not in tiers:
            raise ConfigError(f"{self.path}: [crm] default_tier {default_tier!r} is not a tier")
        cadence: dict[str, int] = {}
        for tag, text in self.section("cadence").items():
            cadence[str(tag).lower()] = parse_days(str(text), where=f"{self.path}: [cadence] {tag}")
        rules = self.data.get("rules")
        if rules is not None and not (isinstance(rules, list) and all(isinstance(r, dict) for r in rules)):
            raise ConfigError(f"{self.path}: [[rules]] must be an array of tables")
        return StoreSettings(
            stages=stages, tiers=tiers, default_stage=default_stage,
            default_tier=default_tier, tag_cadence=cadence,
            rules=None if rules is None else tuple(rules),
        )


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
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return Config(path=path, data=data)
