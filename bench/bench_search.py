"""Search latency and accuracy over demo databases, against a naive baseline.

    python bench/bench_search.py            # 100k and 1M contacts
    python bench/bench_search.py --quick    # 100k only

For each size it builds (or reuses) a demo database, derives a typo query set
from real rows of it, and prints:

- the median and 90th-percentile time of ``store.search.search(q, limit=10)``
  (each query once, in a process that has run a few others) and the share
  of queries whose wanted contact is in the top 10;
- the same for the baseline measured in the same run: rapidfuzz
  ``process.extract`` with WRatio over every contact's name (names loaded
  and folded beforehand, not timed). At 1M the baseline runs on a slice of
  the queries, as each takes seconds;
- search-as-you-type (every prefix of a few names, keystroke by keystroke)
  and searches with a filter;
- the cost of keeping the index up to date: inserting 100k contacts through
  ``bulk.insert_contacts`` with the search index and without it.

The query set (seeded, so every run asks the same): misspelt names (a typo in
one or both words: a dropped, doubled, swapped or neighbouring-key letter
anywhere, two of them in a third of the long words), typeahead prefixes ("jennifer gar"), email fragments
("john.smith3@acme", sometimes misspelt), and a misspelt name with a company
word. A name query is answered when a contact with that exact name is in the
top 10 (at 1M there are ~50 John Smiths, all equally right); an email fragment
needs that very contact; a name with a company needs that name at that company.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import demo_db, report

from tinycrm.store import ContactFilter, Store
from tinycrm.store.search import search_fold

NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}


def typo(word: str, rng: random.Random) -> str:
    """One typing mistake anywhere in the word, and a second one in one long
    word out of three. Words under 4 letters are left alone."""
    if len(word) < 4:
        return word
    if len(word) >= 7 and rng.random() < 1 / 3:
        word = _typo(word, rng)
    return _typo(word, rng)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(0, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "near"))
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    near = NEIGHBOURS.get(word[i])
    return word[:i] + rng.choice(near) + word[i + 1:] if near else word[:i] + word[i + 1:]


def query_set(store: Store, count: int, seed: int = 7) -> list[tuple[str, str, tuple]]:
    """(kind, query, wanted) triples; wanted is checked by ``answered``."""
    rng = random.Random(seed)
    total = store.contacts.count()
    targets = store.contacts.get_many(rng.sample(range(1, total + 1), count))
    queries = []
    for i, c in enumerate(targets):
        first, last = search_fold(c.first_name), search_fold(c.last_name)
        name = search_fold(c.name)
        kind = ("name", "name", "name", "name", "prefix", "prefix", "email", "email", "email",
                "company")[i % 10]
        if kind == "name":
            which = rng.choice(("first", "last", "both"))
            q = " ".join((typo(first, rng) if which != "last" else first,
                          typo(last, rng) if which != "first" else last))
            if q == name:  # both words too short to misspell
                q = typo(name.replace(" ", ""), rng)[:len(first)] + " " + last
            queries.append((kind, q, ("name", name)))
        elif kind == "prefix":
            if rng.random() < 0.5:
                q = f"{first} {last[:max(3, len(last) * 3 // 5)]}"
            else:
                q = f"{first[:max(3, len(first) * 3 // 5)]} {last}"
            queries.append((kind, q, ("name", name)))
        elif kind == "email":
            local, domain = c.email.split("@")
            if rng.random() < 0.3:
                local = ".".join(typo(part, rng) if j == 0 else part
                                 for j, part in enumerate(local.split(".")))
            q = f"{local}@{domain[:rng.randint(4, 6)]}"
            queries.append((kind, q, ("id", c.id)))
        else:
            word = search_fold(c.company).split()[0]
            q = f"{typo(first, rng)} {last} {word}"
            queries.append((kind, q, ("name+company", (name, search_fold(c.company)))))
    return queries


def answered(wanted: tuple, found: list[tuple[int, str, str]]) -> bool:
    """``found`` holds (id, folded name, folded company) of the top results."""
    how, value = wanted
    if how == "id":
        return any(cid == value for cid, _, _ in found)
    if how == "name":
        return any(name == value for _, name, _ in found)
    return any((name, company) == value for _, name, company in found)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


Hits = list[tuple[str, bool]]  # (kind of query, answered?) in query order


def run_search(store: Store, queries, limit: int = 10) -> tuple[list[float], Hits]:
    """Each query once, timed: a warm process (as the TUI would be) that has
    not seen this query."""
    for q in ("warm up", "alpha beta", "x@y"):
        store.search.search(q, limit=limit)
    times, hits = [], []
    for kind, q, wanted in queries:
        started = time.perf_counter()
        results = store.search.search(q, limit=limit)
        times.append(time.perf_counter() - started)
        found = [(c.id, search_fold(c.name), search_fold(c.company)) for c, _ in results]
        hits.append((kind, answered(wanted, found)))
    return times, hits


def run_naive(store: Store, queries, limit: int = 10):
    """The baseline: WRatio over every name, as the issue describes it."""
    from rapidfuzz import fuzz, process

    rows = store.conn.execute("SELECT id, name, company FROM contacts ORDER BY id").fetchall()
    ids = [r[0] for r in rows]
    names = [search_fold(r[1]) for r in rows]
    companies = {r[0]: search_fold(r[2]) for r in rows}
    times, hits = [], []
    for kind, q, wanted in queries:
        started = time.perf_counter()
        results = process.extract(search_fold(q), names, scorer=fuzz.WRatio, limit=limit)
        times.append(time.perf_counter() - started)
        found = [(ids[i], name, companies[ids[i]]) for name, _, i in results]
        hits.append((kind, answered(wanted, found)))
    return times, hits


def accuracy(hits: Hits) -> float:
    return 100 * sum(hit for _, hit in hits) / len(hits)


def by_kind(hits: Hits) -> str:
    groups: dict[str, list[bool]] = {}
    for kind, hit in hits:
        groups.setdefault(kind, []).append(hit)
    return ", ".join(f"{k} {100 * sum(v) / len(v):.0f}% of {len(v)}" for k, v in sorted(groups.items()))


def typeahead(store: Store, names: list[str]) -> list[float]:
    times = []
    for name in names:
        for end in range(1, len(name) + 1):
            started = time.perf_counter()
            store.search.search(name[:end], limit=20)
            times.append(time.perf_counter() - started)
    return times


def index_cost(contacts: int = 100_000, rounds: int = 2) -> tuple[float, float, float]:
    """Seconds to insert ``contacts`` demo-like contacts into a fresh database
    with the search index, without it (switched off), and spent working it out
    and writing it: the best of ``rounds`` interleaved runs each."""
    import tinycrm.store.bulk as bulk
    from tinycrm.store.bulk import NewContact, insert_contacts
    from tinycrm.store.demo import COMPANIES, FIRST, LAST, TAGS

    rng = random.Random(3)
    batch = []
    for i in range(contacts):
        first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
        batch.append(NewContact(
            name=f"{first} {last}", first_name=first, last_name=last, owner="alice",
            company=f"{company} Inc", created_at="2026-01-01T00:00:00Z",
            emails=[f"{search_fold(first)}.{search_fold(last)}{i}@{company.lower()}.example"],
            phones=["+1 555 010 2030"], tags=rng.sample(TAGS, rng.choice((0, 1, 2))),
            uid=f"{rng.getrandbits(128):032x}",
        ))
    # The index is worked out (search.SearchRows) and written
    # (search.write_search_rows) by bulk.ContactRows / write_contact_rows.
    real_rows, real_write = bulk.SearchRows, bulk.write_search_rows
    inside = [0.0]

    def timed(real):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                inside[0] += time.perf_counter() - started
        return run

    class NoRows:
        ids: list = []

        def __init__(self, entries) -> None:
            pass

    best = {"with": float("inf"), "without": float("inf"), "inside": float("inf")}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            for label in ("with", "without"):
                if label == "with":
                    bulk.SearchRows, bulk.write_search_rows = timed(real_rows), timed(real_write)
                else:
                    bulk.SearchRows, bulk.write_search_rows = NoRows, lambda *a, **k: None
                inside[0] = 0.0
                try:
                    with Store(Path(tmp) / f"{label}{n}.db", user="alice") as store:
                        started = time.perf_counter()
                        with store.write() as conn:
                            for i in range(0, contacts, 5000):
                                insert_contacts(conn, batch[i:i + 5000], updated_at="2026-01-01T00:00:00Z")
                        best[label] = min(best[label], time.perf_counter() - started)
                finally:
                    bulk.SearchRows, bulk.write_search_rows = real_rows, real_write
                if label == "with":
                    best["inside"] = min(best["inside"], inside[0])
    return best["with"], best["without"], best["inside"]


def bench_size(contacts: int, count: int, naive_count: int) -> None:
    path = demo_db(contacts)
    print(f"\n## {contacts:,} contacts ({path.name})", flush=True)
    with Store(path, user="alice") as store:
        queries = query_set(store, count)
        times, hits = run_search(store, queries)
        naive_queries = queries[:naive_count]
        naive_times, naive_hits = run_naive(store, naive_queries)
        naive_median = statistics.median(naive_times)
        ours_on_slice = statistics.median(times[:naive_count])
        target = "< 25 ms" if contacts <= 100_000 else "< 50 ms"
        speedup = f"naive WRatio; {naive_median / statistics.median(times):.0f}x faster"
        report(f"search median ({len(queries)} queries)", 1000 * statistics.median(times), "ms",
               baseline=1000 * naive_median, baseline_label=speedup, target=target)
        report("search p90", 1000 * percentile(times, 0.9), "ms")
        report(f"naive WRatio median ({len(naive_queries)} queries)", 1000 * naive_median, "ms")
        if len(naive_queries) < len(queries):
            report(f"search median on the same {len(naive_queries)} queries", 1000 * ours_on_slice, "ms",
                   baseline=1000 * naive_median, baseline_label="naive WRatio")
        report("search: wanted contact in top 10", accuracy(hits), "%", target=">= 90 %")
        print(f"    by kind: {by_kind(hits)}")
        report(f"naive WRatio: in top 10 ({len(naive_queries)} queries)", accuracy(naive_hits), "%")
        print(f"    by kind: {by_kind(naive_hits)}")
        if len(naive_queries) < len(queries):
            report(f"search: in top 10 on the same {len(naive_queries)}",
                   accuracy(hits[:len(naive_queries)]), "%")
        misses = [q for (_, q, _), (_, hit) in zip(queries, hits) if not hit]
        print(f"    misses: {misses[:12]}{' ...' if len(misses) > 12 else ''}")
        names = [search_fold(c.name) + " " + search_fold(c.company).split()[0]
                 for c in store.contacts.get_many([5, 500, 5000])]
        keys = typeahead(store, names)
        report(f"search-as-you-type median ({len(keys)} keystrokes)", 1000 * statistics.median(keys), "ms",
               baseline=1000 * naive_median, baseline_label="naive WRatio")
        report("search-as-you-type p90", 1000 * percentile(keys, 0.9), "ms")
        filtered = []
        for kind, q, _ in queries[:50]:
            for f in (ContactFilter(tier="vip"), ContactFilter(tag="investor"), ContactFilter(stage="customer")):
                started = time.perf_counter()
                store.search.search(q, limit=10, filters=f)
                filtered.append(time.perf_counter() - started)
        report(f"search with a filter median ({len(filtered)})", 1000 * statistics.median(filtered), "ms",
               baseline=1000 * naive_median, baseline_label="naive WRatio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k contacts only")
    parser.add_argument("--queries", type=int, default=200, help="queries per size")
    args = parser.parse_args()
    print("# search bench: store.search.search vs naive rapidfuzz WRatio over all names")
    with_index, without, inside = index_cost()
    report("insert 100k contacts (bulk) with the search index", with_index, "s",
           baseline=without, baseline_label="without it")
    report("insert 100k contacts (bulk) without it", without, "s")
    report("  of which the search rows (SearchRows + write)", inside, "s", baseline=with_index,
           baseline_label="of the insert")
    bench_size(100_000, args.queries, args.queries)
    if not args.quick:
        bench_size(1_000_000, args.queries, 30)


if __name__ == "__main__":
    sys.exit(main())
