"""`tinycrm dupes` over demo contacts (10k and 100k) and over contacts most of
whom work at a few big companies (10k and 20k), with planted duplicates,
against a naive baseline measured in the same run on the same file.

    python bench/bench_dupes.py            # demo 10k and 100k, big companies 10k and 20k
    python bench/bench_dupes.py --quick    # demo 10k, big companies 6k, fewer repeats

The big companies' shape is the one that was slow (18 s for 50k contacts,
30,000 of them at one company): nearly half the contacts at Google (spelt
two ways), a fifth at Microsoft, a tenth at Amazon, the rest at none; names
drawn from the demo's common first and last names (so a company has its John
Smiths), one in ten with a middle initial and a few cut to an initial ("J.
Smith"), built straight into a new file; the typo and order pairs are
planted at those companies. This case also prints how the time grows from
half the contacts to all of them (2x is linear, 4x quadratic), beside how
the pairs found grow: about four times, as twice the people at a company
share a name with twice as many, and those pairs must all be listed.

Each demo size starts from the cached demo database (bench/common.py), copied to a
temporary file, into which known pairs are planted through the store's own
``contacts.add`` (PLANTS of each kind, with invented names no demo name
resembles):

- email: one mailbox written two ways, in other letter case, as Gmail's dots
  (``Zora.Kalvin3@GMail.com`` and ``zorakalvin3@gmail.com``) or a ``+tag``
  (``zora.kalvin@kalvin4.example`` and ``Zora.Kalvin+news@Kalvin4.Example``).
  The same address merely cased differently can't be planted: an address
  belongs to one contact (``email_key`` is unique, lower-cased);
- phone: one number formatted two ways (``+44 20 7946 0003`` and
  ``020 7946 0003``), the names agreeing ("Zora Kalvin", "Z. Kalvin"),
  the full name added first in half of them, the short one in the others;
- typo: two adjacent letters of the last name swapped, at one of the demo's
  companies (so in a group of about 1,100 people at 100k) spelt two ways
  ("Acme Inc", "ACME, Inc.");
- order: the words in another order and with punctuation ("Zora Kalvin-Del"
  and "Kalvin Del, Zora"), at a demo company too.

It prints, for ``find_duplicates`` in process (median of alternating runs)
and for the naive baseline: wall time, the ratio, pairs found at the default
threshold (85) and how many planted pairs are among them; then the whole
`tinycrm dupes` command (median wall time, peak RSS).

The baseline is what one would write first: the same rows read from the same
file, email and phone keys grouped in Python dicts with the same rules, and
every name at a company compared with every other (rapidfuzz
``process.extract`` with ``token_sort_ratio`` over the folded names, one call
per name, so the comparisons run in C as ours do; ``process.cdist`` would
need numpy, which tinycrm doesn't depend on). It builds the same result (the
pairs' contacts read, ranked). It is fair as a yardstick: same library, same
scorer, same data and output, only no candidate blocking, so it finds every
pair ours does and the few that share no word's first letter, but for the
names that agree ("J. Smith", "John Smith"), which it doesn't look for: the
big companies' initials have them, and they are counted apart.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import (
    command_time,
    copy_db,
    demo_db,
    median_time,
    peak_rss_mib,
    report,
    tinycrm_cmd,
)

from tinycrm.store import Store
from tinycrm.store.bulk import NewContact, insert_contacts
from tinycrm.store.demo import COMPANIES, FIRST, LAST
from tinycrm.store.dupes import (
    EMAIL_SCORE,
    PHONE_GROUP_LIMIT,
    PHONE_OTHER_NAME_SCORE,
    PHONE_SCORE,
    company_key,
    email_canon,
    find_duplicates,
    name_words,
    names_agree,
)
from tinycrm.store.textutil import names_a_person

PLANTS = 10  # pairs of each kind
KINDS = ("email", "phone", "typo", "order")
SYLLABLES = "ka lo mer vin tra del sor bix quen zor pel fa ru nim tes gal dor ith ven sha".split()
# Share of the contacts at each (the others at none): see the module's docstring.
BIG_COMPANIES = (("Google", 0.45), ("Google LLC", 0.05), ("Microsoft", 0.2), ("Amazon", 0.1))


def invented(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def swap_two(word: str, rng: random.Random) -> str:
    """Two adjacent, different letters swapped, not the first."""
    spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def plant(store: Store, seed: int = 5,
          companies: tuple[str, ...] = COMPANIES) -> list[tuple[str, int, int]]:
    """Known duplicate pairs added to the store: (kind, lower id, higher id),
    the typo and order pairs at ``companies``."""
    rng = random.Random(seed)
    used: set[str] = set()
    planted = []
    add = store.contacts.add
    for kind in KINDS:
        for n in range(PLANTS):
            while True:
                first, last = invented(rng, rng.choice((2, 3))), invented(rng, 3)
                if first + last not in used:
                    used.add(first + last)
                    break
            f, la = first.lower(), last.lower()
            if kind == "email":
                if n % 2:
                    a = add(f"{first} {last}", emails=[f"{first}.{last}{n}@GMail.com"])
                    b = add(f"{first[0]}. {last}", emails=[f"{f}{la}{n}@gmail.com"])
                else:
                    a = add(f"{first} {last}", emails=[f"{f}.{la}@{la}{n}.example"])
                    b = add(f"{first} {last[0]}.",
                            emails=[f"{first}.{last}+news@{last}{n}.Example"])
            elif kind == "phone":
                # Half of them with the short form added first: names_agree
                # reads two names of as many words in the order given.
                full = (f"{first} {last}", f"+44 20 7946 {n:04d}")
                short = (f"{first[0]}. {last}", f"020 7946 {n:04d}")
                one, two = (full, short) if n % 2 else (short, full)
                a = add(one[0], phones=[one[1]])
                b = add(two[0], phones=[two[1]])
            elif kind == "typo":
                company = companies[n * 5 % len(companies)]
                a = add(f"{first} {last}", company=f"{company} Inc")
                b = add(f"{first} {swap_two(last, rng)}", company=f"{company.upper()}, Inc.")
            else:
                company = companies[n * 7 % len(companies)]
                more = invented(rng, 2)
                if n % 2:
                    a = add(f"{first} {last}-{more}", company=f"{company} GmbH")
                    b = add(f"{last} {more}, {first}", company=f"{company} Ltd.")
                else:
                    a = add(f"{first} {last}", company=f"{company} AG")
                    b = add(f"{last}, {first}", company=f"{company.lower()} ag")
            planted.append((kind, a.id, b.id))
    return planted


def naive(store: Store, threshold: float = 85.0) -> list[tuple[tuple[int, int], float]]:
    """The baseline (see the module's docstring)."""
    from rapidfuzz import fuzz, process

    conn = store.conn
    found: dict[tuple[int, int], tuple[float, list[str]]] = {}

    def add(a: int, b: int, score: float, reason: str) -> None:
        if score < threshold:
            return
        key = (min(a, b), max(a, b))
        best, reasons = found.get(key, (0.0, []))
        if reason not in reasons:
            reasons.append(reason)
        found[key] = (max(best, score), reasons)

    with store.read():
        mailboxes: dict[str, set[int]] = defaultdict(set)
        for contact_id, key in conn.execute("SELECT contact_id, email_key FROM contact_emails"):
            mailboxes[email_canon(key)].add(contact_id)
        for ids in mailboxes.values():
            ids = sorted(ids)
            for other in ids[1:]:
                add(ids[0], other, EMAIL_SCORE, "same email")
        numbers: dict[str, set[int]] = defaultdict(set)
        for contact_id, key in conn.execute(
                "SELECT contact_id, phone_key FROM contact_phones WHERE phone_key IS NOT NULL"):
            numbers[key].add(contact_id)
        names = dict(conn.execute("SELECT id, name FROM contacts"))
        for ids in numbers.values():
            ids = sorted(ids)
            if not 1 < len(ids) <= PHONE_GROUP_LIMIT:
                continue
            first = names[ids[0]]
            for other in ids[1:]:
                name = names[other]
                agree = (not names_a_person(first) or not names_a_person(name)
                         or names_agree(first, name))
                add(ids[0], other, PHONE_SCORE if agree else PHONE_OTHER_NAME_SCORE,
                    "same phone" if agree else "same phone, different names")
        companies: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for contact_id, name, company in conn.execute(
                "SELECT id, name, company FROM contacts WHERE company IS NOT NULL AND company != ''"
                " ORDER BY id"):
            key = company_key(company)
            if key:
                companies[key].append((contact_id, " ".join(name_words(name))))
        for company, members in companies.items():
            folded = [name for _, name in members]
            for i in range(len(members) - 1):
                for _, score, j in process.extract(
                        folded[i], folded[i + 1:], scorer=fuzz.token_sort_ratio,
                        score_cutoff=threshold, limit=None):
                    add(members[i][0], members[i + 1 + j][0], float(score),
                        f"similar name at {company}")
        ranked = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))
        store.contacts.get_many(sorted({i for (a, b), _ in ranked for i in (a, b)}))
    return [(pair, score) for pair, (score, _) in ranked]


def interleaved(ours, baseline, rounds: int, per_round: int) -> tuple[float, float]:
    """Median seconds of ``ours`` (``per_round`` runs a round) and of the
    baseline (one run a round), rounds alternating after a warm-up of each,
    so that a busy moment on the machine hits both."""
    ours(), baseline()
    ours_times, baseline_times = [], []
    for _ in range(rounds):
        for _ in range(per_round):
            started = time.perf_counter()
            ours()
            ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        baseline()
        baseline_times.append(time.perf_counter() - started)
    return statistics.median(ours_times), statistics.median(baseline_times)


def recall(pairs: set[tuple[int, int]], planted: list[tuple[str, int, int]]) -> str:
    by_kind = {kind: sum((a, b) in pairs for k, a, b in planted if k == kind) for kind in KINDS}
    return ", ".join(f"{kind} {hit}/{PLANTS}" for kind, hit in by_kind.items())


def big_companies_db(contacts: int, path: Path, seed: int = 1) -> Path:
    """Contacts of the big companies' shape (see the module's docstring)."""
    rng = random.Random(seed)
    companies: list[str | None] = [
        name for name, share in BIG_COMPANIES for _ in range(int(contacts * share))]
    companies += [None] * (contacts - len(companies))
    rng.shuffle(companies)
    stamp = "2026-01-01T00:00:00Z"
    people = []
    for company in companies:
        first, last, shape = rng.choice(FIRST), rng.choice(LAST), rng.random()
        if shape < 0.1:
            name = f"{first} {rng.choice('ABCDEJKLMR')}. {last}"
        elif shape < 0.13:
            name = f"{first[0]}. {last}"
        else:
            name = f"{first} {last}"
        people.append(NewContact(name=name, owner="alice", created_at=stamp, company=company))
    with Store(path, user="alice") as store, store.write() as conn:
        insert_contacts(conn, people, updated_at=stamp)
    return path


def planted_copy(contacts: int, work: Path, big: bool) -> tuple[Path, str, list]:
    """A database to measure, its description and the pairs planted in it."""
    if big:
        path = big_companies_db(contacts, work / f"dupes-big-{contacts}.db")
        about, companies = "a few big companies", ("Google", "Microsoft", "Amazon")
    else:
        source = demo_db(contacts)
        path = copy_db(source, work / f"dupes-{contacts}.db")
        about, companies = source.name, COMPANIES
    with Store(path, user="alice") as store:
        planted = plant(store, companies=companies)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, about, planted


def bench_size(contacts: int, work: Path, rounds: int, per_round: int, *,
               big: bool = False) -> None:
    path, about, planted = planted_copy(contacts, work, big)
    print(f"\n## {contacts:,} contacts ({about}, {len(planted)} planted pairs)", flush=True)
    # The command first: a child's peak RSS shows only above earlier children's.
    cmd = tinycrm_cmd("--db", str(path), "dupes")
    rss = peak_rss_mib(cmd)
    with Store(path, user="alice") as store:
        reasons = {(p.keep_id, p.other_id): p.reasons for p in find_duplicates(store)}
        ours_pairs = set(reasons)
        naive_pairs = {pair for pair, _ in naive(store)}
        ours_t, naive_t = interleaved(lambda: find_duplicates(store), lambda: naive(store),
                                      rounds, per_round)
    found = len(ours_pairs & {(a, b) for _, a, b in planted})
    naive_found = len(naive_pairs & {(a, b) for _, a, b in planted})
    report(f"find_duplicates ({contacts:,})", ours_t, "s", baseline=naive_t,
           baseline_label="naive all-pairs")
    report(f"naive all-pairs within company ({contacts:,})", naive_t, "s")
    report("pairs found (threshold 85)", len(ours_pairs), "pairs", baseline=len(naive_pairs),
           baseline_label="naive's")
    report("naive: pairs found", len(naive_pairs), "pairs")
    report("planted pairs found", 100 * found / len(planted), "%", target="100 %")
    print(f"    by kind: {recall(ours_pairs, planted)}")
    report("naive: planted pairs found", 100 * naive_found / len(planted), "%")
    missed = sorted(naive_pairs - ours_pairs)
    print(f"    found by naive only: {len(missed)} {missed[:6]}{' ...' if len(missed) > 6 else ''}")
    extra = sorted(ours_pairs - naive_pairs)
    # (The naive baseline knows no abbreviations: "J. Smith" and "John Smith".)
    agree = [pair for pair in extra if any(r.startswith("names agree") for r in reasons[pair])]
    if agree:
        print(f"    found by ours only, names that agree: {len(agree)}")
    extra = [pair for pair in extra if pair not in agree]
    if extra:
        print(f"    found by ours only (unexpected): {len(extra)} {extra[:6]}")
    wall = command_time(cmd, repeat=rounds * per_round)
    report(f"tinycrm dupes, whole command ({contacts:,})", wall, "s", baseline=naive_t,
           baseline_label="naive in process")
    report(f"tinycrm dupes, peak RSS ({contacts:,})", rss, "MiB")
    if big:
        growth(contacts, ours_t, len(ours_pairs), work, rounds * per_round)


def growth(contacts: int, seconds: float, pairs: int, work: Path, repeat: int) -> None:
    """find_duplicates on the same shape at half the contacts. Twice the
    people at a company are twice as many names sharing a letter with each,
    and about four times the pairs of people with one name (which must all be
    listed): the time should grow as the contacts and the pairs do, not as
    the pairs of names compared."""
    half = contacts // 2
    path, _, _ = planted_copy(half, work, big=True)
    with Store(path, user="alice") as store:
        half_pairs = len(find_duplicates(store))
        half_t = median_time(lambda: find_duplicates(store), repeat=repeat)
    report(f"find_duplicates, {half:,} -> {contacts:,} contacts", seconds, "s",
           baseline=half_t, baseline_label=f"at {half:,}", target="2x is linear, 4x quadratic")
    report(f"pairs found, {half:,} -> {contacts:,} contacts", pairs, "pairs",
           baseline=half_pairs, baseline_label=f"at {half:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10k demo and 6k big-company contacts, fewer repeats")
    args = parser.parse_args()
    print("# dupes bench: find_duplicates vs naive all-pairs within each company")
    with tempfile.TemporaryDirectory(prefix="tinycrm-dupes-") as tmp:
        work = Path(tmp)
        if args.quick:
            bench_size(10_000, work, rounds=3, per_round=1)
            bench_size(6_000, work, rounds=1, per_round=3, big=True)
        else:
            bench_size(10_000, work, rounds=5, per_round=2)
            bench_size(100_000, work, rounds=3, per_round=2)
            bench_size(10_000, work, rounds=5, per_round=2, big=True)
            bench_size(20_000, work, rounds=3, per_round=1, big=True)


if __name__ == "__main__":
    sys.exit(main())
