#!/usr/bin/env python3
"""Damaged copies of the fixtures and of the bench files, for differential fuzzing.

    python3 benches/mutants.py SEED COUNT OUTDIR

Writes COUNT files to OUTDIR (m0000.json, m0001.csv, ...): half are a fixture from
fixtures/{audit,formats,snapshot} with one to three spans rewritten, half the first 300 kB or 2 MB
of one of the six bench files (bench-data/, made by benches/compare.sh; skipped when missing) with
one to eight spans rewritten. A rewrite flips, inserts (quotes, backslashes, brackets, `\\u`, NUL,
stray UTF-8 lead bytes, BOMs, licensing needles), deletes, truncates, duplicates or case-swaps bytes.

Then check that the fast path and the full parse agree on every file (or give the same error), and
that no command panics:

    LICDIAG_AGREE_FILES=$(ls -d OUTDIR/* | paste -sd:) \\
        cargo test --release --test it -- --ignored agree_on_files
    for f in OUTDIR/*; do target/release/licdiag --no-progress analyze "$f" --fail-on never \\
        > /dev/null 2> err.txt; [ $? -le 2 ] && ! grep -q panicked err.txt || echo "$f"; done

The damage is random but reproducible from SEED; the files hold only the fixtures' and the
generator's fictitious data.
"""

import glob
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TOKENS = [
    b'"', b"\\", b"{", b"}", b"[", b"]", b",", b":", b"\n", b"\r\n", b'""', b"\\u", b"\\u00",
    b"\x00", b"\xff", b"\xc3", b"null", b"-0", b"1e999", b"Add member to group", b'"Violation"',
    b"licenses", b"\t", b" ", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"CountViolation", b"SkuId=",
    b"AuditData", b"UsageLocation", b"ProxyAddresses", b"Remove member from group.",
    b"MembershipRule", b"DynamicMembership", b"Update group",
]

BENCH = [
    "bench-data/csv/audit/audit-portal.csv",
    "bench-data/csv/audit/audit-la.csv",
    "bench-data/csv/audit/audit-purview.csv",
    "bench-data/json/audit/audit-graph.jsonl",
    "bench-data/json/audit/audit-graph-page.json",
    "bench-data/json/audit/audit-azure-monitor.json",
]


def mutate(rng, data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not b:
            b += rng.choice(TOKENS)
            continue
        op = rng.random()
        i = rng.randrange(len(b) + 1)
        if op < 0.25 and i < len(b):
            b[i] = rng.randrange(256)
        elif op < 0.5:
            b[i:i] = rng.choice(TOKENS)
        elif op < 0.65:
            del b[i:min(len(b), i + rng.randint(1, 64))]
        elif op < 0.75:
            b = b[:i]
        elif op < 0.85:
            b[i:i] = b[i:min(len(b), i + rng.randint(1, 200))]
        else:
            j = min(len(b), i + rng.randint(1, 30))
            b[i:j] = bytes(b[i:j]).swapcase()
    return bytes(b)


def damage(rng, data, spans, width):
    b = bytearray(data)
    for _ in range(rng.randint(1, spans)):
        if not b:
            break
        i = rng.randrange(len(b))
        j = min(len(b), i + rng.randint(1, width))
        b[i:j] = mutate(rng, bytes(b[i:j]))
    return bytes(b)


def main():
    seed, count, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    small = sorted(
        f
        for d in ("audit", "formats", "snapshot")
        for f in glob.glob(os.path.join(ROOT, "fixtures", d, "*"))
        if os.path.isfile(f) and not f.endswith((".md", ".gz"))
    )
    big = [os.path.join(ROOT, f) for f in BENCH if os.path.exists(os.path.join(ROOT, f))]
    os.makedirs(outdir, exist_ok=True)
    for k in range(count):
        if big and rng.random() < 0.5:
            src = rng.choice(big)
            with open(src, "rb") as fh:
                data = damage(rng, fh.read(rng.choice([300_000, 2_000_000])), 8, 100)
        else:
            src = rng.choice(small)
            with open(src, "rb") as fh:
                data = damage(rng, fh.read(), 3, 80)
        ext = os.path.splitext(src)[1] or ".txt"
        with open(os.path.join(outdir, f"m{k:04d}{ext}"), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()
