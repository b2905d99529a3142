"""Seeded random contacts with hostile but legal data, for round trips
through every export format (``test_roundtrip_random``). Plain
``random.Random(seed)``: a seed names its case, so a failure can be rerun."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from tinycrm.store import Store
from tinycrm.store.contact_values import tag_form
from tinycrm.store.textutil import one_line

FROZEN = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)

WORDS = ("Ada", "Lovelace", "Grace", "Hopper", "O'Brien", "van der Berg", "Smith", "Jr.",
         "PhD", "Dr", "Łukasz", "Søren", "Zoë", "Åse", "Nguyễn", "山田", "太郎", "Ωmega")
HOSTILE = (",", ";", '"', "'", "\\", ":::", " ::: ", "\\;", "\\\\", "=", "+", "-", "@", "<", ">",
           "&", "%", "|", "#", "\\n", "\\,", "::", "''", '""', "/", "*", "{", "}", "[", "]",
           "null", "true", "1e400", "=HYPERLINK(\"x\")", "@SUM(A1)", "+1", "-2", "\t", "\r",
           "\n", "\r\n", "\x0b", "\x0c", "\x1b[31m", "\x01", "\x7f", "\x85", "\u2028",
           "\u2029", "\u200b", "\u200d", "\u202e", "\ufeff", "\xa0", "\u3000")
UNICODE = ("😀", "👩‍👩‍👧", "🏳️‍🌈", "𝐉𝐨𝐡𝐧", "שלום", "مرحبا", "e\u0301", "a\u0308\u0323",
           "ﬁ", "Ⅻ", "ß", "İ", "ǅ", "\U0001f600\U0001f3fd", "𓂀", "한국어", "ไทย", "\uffff",
           "\ue000", "\U000e0041", "\u00ad", "\u061c", "\u200e", "\u2800", "\u3164", "\u034f",
           "\u0301", "\ufe0f", "\u2066x\u2069", "\U0010fffd")
LEADS = ("=", "+", "-", "@", "'", "'=", "''", "\t", "\r", " ", "0", "00", "'0")
STAGES = ("lead", "qualified", "customer", "churned", "lost")
TIERS = ("vip", "standard", "low")
ODD_KEYS = ('a"; DROP TABLE contacts; --', "=cmd", "+x", "@y", "-z", "'q", "stage", "emails",
            "name", "note", "tags", "fields", "uid", "id", "version", "url", "address",
            "nickname", "role", "url 2", "birthday", "phone", "email", "ключ", "键 名",
            "key with spaces", "semi;colon", "com,ma", "back\\slash", "emoji 😀", "x-tinycrm",
            "created_at", "first_name", "middle_name", "prefix", "suffix", "company", "",
            " ", "a\x1bb", "\u202ekey", "note 2", "url 3", "ADDRESS", "Nickname")


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.serial = 0
        self.made: list[dict[str, Any]] = []

    def piece(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.45:
            return r.choice(WORDS)
        if kind < 0.75:
            return r.choice(HOSTILE)
        if kind < 0.95:
            return r.choice(UNICODE)
        return str(r.randint(0, 10**18))

    def text(self, most: int = 60, *, lead: bool = True) -> str:
        r = self.r
        parts = [self.piece() for _ in range(r.randint(1, 6))]
        sep = r.choice((" ", "", ", ", "; ", "  ", "\t"))
        value = sep.join(parts)
        if lead and r.random() < 0.3:
            value = r.choice(LEADS) + value
        if r.random() < 0.08:
            # near the 500-character limit (as kept: one_line may shorten it)
            value = (value + " " + "x" * 600)[: r.randint(480, 500)]
        return value[: max(most, 1)] if most < 480 else value

    def long_or(self, most: int = 60) -> str:
        return self.text(most if self.r.random() > 0.1 else 500)

    def email(self) -> str:
        r = self.r
        self.serial += 1
        local = r.choice(("ada", "=cmd", "+tag", "-dash", "o'brien", "zoë", "x.y+z", "@@".strip("@")
                          or "at", "UPPER", "a&b", "%", "'q", "0"))
        return f"{local}{self.serial}@{r.choice(('ex.org', 'EX.ORG', 'bücher.de', 'x.co'))}"

    def phone(self) -> str:
        r = self.r
        digits = "".join(str(r.randint(0, 9)) for _ in range(r.randint(7, 12)))
        form = r.choice(("+{}", "{}", "00{}", "({}) {}", "{} x{}", "{} ext. {}", "-{}", "0{}",
                         "{}-{}", "+1 {} {}", "{}*{}", "{}#"))
        half = len(digits) // 2
        return form.format(digits[:half], digits[half:]) if form.count("{}") == 2 \
            else form.format(digits)

    def tag(self) -> str:
        r = self.r
        value = self.text(40)
        if r.random() < 0.3:
            value = r.choice(("smith, jones & co", "a ::: b", "x;y", "back\\slash", "\\;", "t" * 600,
                              "a; b", "a\\; b", ";", "\\", "'", "''=",
                              "trailing\\", "=sum", "@home", "tab\there", "vip", "VIP"))
        return value

    def field_value(self) -> Any:
        r = self.r
        kind = r.random()
        if kind < 0.7:
            value = self.text(r.choice((30, 500)))
            if r.random() < 0.2:
                value = value + "\nsecond line\r\nthird\r" + self.text(20)
            return value
        if kind < 0.8:
            return r.choice((0, -1, 42, 10**16, 2**53 + 1, 1.5, -0.0, 1e-7))
        if kind < 0.9:
            return r.choice((True, False))
        if kind < 0.95:
            return [self.text(10), r.randint(0, 9), None]
        return {"nested": self.text(10), "n": r.randint(0, 9)}

    def when(self) -> datetime:
        r = self.r
        zone = timezone(timedelta(minutes=r.choice((0, 60, -300, 330, 345, -570, 840))))
        moment = FROZEN - timedelta(seconds=r.randint(0, 10 * 365 * 86400),
                                    microseconds=r.choice((0, 0, r.randint(0, 999999))))
        return moment.astimezone(zone)

    def birthday(self) -> str | None:
        r = self.r
        kind = r.random()
        if kind < 0.3:
            return None
        month, day = r.randint(1, 12), r.randint(1, 28)
        if kind < 0.5:
            return f"--{month:02d}-{day:02d}"
        if kind < 0.55:
            return r.choice(("--02-29", "2000-02-29", "1800-01-01", "2999-12-31"))
        return f"{r.randint(1900, 2020)}-{month:02d}-{day:02d}"

    def note(self) -> str:
        r = self.r
        lines = [self.text(r.choice((40, 500))) for _ in range(r.randint(1, 4))]
        return r.choice(("\n", "\r\n", "\n\n", "\r", "\n \n")).join(lines)

    def contact(self) -> dict[str, Any]:
        r = self.r
        if self.made and r.random() < 0.15:
            # a namesake, or one of a household on its landline
            other = r.choice(self.made)
            spec = {"name": other["name"], "phones": list(other.get("phones") or ())[:1]}
            if r.random() < 0.5:
                spec["birthday"] = other.get("birthday")
            if r.random() < 0.5:
                spec["company"] = other.get("company")
            if r.random() < 0.3:
                spec["note"] = r.choice(("", "'", "x"))
            self.made.append(spec)
            return spec
        spec: dict[str, Any] = {"name": self.long_or()}
        if r.random() < 0.3:
            spec["first_name"] = self.text(30) if r.random() < 0.8 else None
            spec["last_name"] = self.text(30) if r.random() < 0.8 else None
        spec["emails"] = [self.email() for _ in range(r.choice((0, 1, 1, 2, 3)))]
        spec["phones"] = [self.phone() for _ in range(r.choice((0, 1, 1, 2, 3)))]
        if r.random() < 0.15:
            # Two numbers with one match key (the last eight digits), told
            # apart by the ninth: +1 425 555 0100 and +1 415 555 0100.
            eight = "".join(str(r.randint(0, 9)) for _ in range(8))
            spec["phones"] += [f"+1 4{n}{eight}" for n in r.sample("0123456789", 2)]
        if r.random() < 0.1 and self.made and self.made[-1].get("phones"):
            spec["phones"].append(r.choice(self.made[-1]["phones"]))  # another's number
        for key in ("company", "title"):
            if r.random() < 0.6:
                spec[key] = self.long_or(40)
        spec["tags"] = [t for _ in range(r.choice((0, 1, 2, 4))) if tag_form(t := self.tag())]
        spec["stage"] = r.choice(STAGES)
        spec["tier"] = r.choice(TIERS)
        if r.random() < 0.5:
            spec["owner"] = self.text(30)
        if r.random() < 0.4:
            spec["source"] = one_line(self.text(30))
        if r.random() < 0.6:
            keys = r.sample(ODD_KEYS, r.randint(1, 5))
            spec["fields"] = {k: self.field_value() for k in keys}
        spec["birthday"] = self.birthday()
        if r.random() < 0.4:
            spec["cadence_days"] = r.randint(1, 3650)
        spec["created_at"] = self.when()
        if r.random() < 0.2:
            spec["uid"] = r.choice(("urn:uuid:{}", "A-{}", "{};x", "=uid{}", "{}@host,b")).format(
                r.randint(0, 10**9))
        if r.random() < 0.1:
            spec["company"] = spec["name"]  # a company's own contact
            spec.pop("first_name", None), spec.pop("last_name", None)
        self.made.append(spec)
        return spec


def _valid_name(spec: dict[str, Any]) -> bool:
    return bool(one_line(spec["name"]))


def build(store: Store, seed: int, count: int | None = None) -> list[int]:
    """Contacts of ``seed`` added through the store, with notes, a call and
    a follow-up now and then; returns their ids. A value the store refuses
    (a name of nothing visible, say) is left out, not a failure."""
    from tinycrm.store.errors import TinyCRMError

    gen = Gen(seed)
    ids = []
    for _ in range(count if count is not None else gen.r.randint(1, 8)):
        spec = gen.contact()
        # (Not the import's clock: an import that stamped its own time would show.)
        spec["now"] = max(spec.get("created_at") or FROZEN, gen.when())
        try:
            contact = store.contacts.add(**spec)
        except TinyCRMError:
            for key in ("first_name", "last_name", "owner", "company", "title"):
                spec.pop(key, None)
            if not _valid_name(spec):
                spec["name"] = f"Person {len(ids)}"
            contact = store.contacts.add(**spec)
        ids.append(contact.id)
        notes = [gen.note() for _ in range(gen.r.choice((0, 1, 1, 2)))]
        if notes and gen.r.random() < 0.15:
            notes.append(gen.r.choice((notes[0], notes[0] + "\n\n" + notes[0], "x\n\nx")))
        for note in notes:
            try:
                store.timeline.log(contact.id, "note", note, at=gen.when())
            except TinyCRMError:
                pass  # (a note of nothing visible)
        if gen.r.random() < 0.3:
            store.timeline.log(contact.id, "call", gen.text(20) + "x", at=gen.when())
        if gen.r.random() < 0.2:
            store.followups.add(contact.id, FROZEN + timedelta(days=3), note=gen.text(30))
    return ids
