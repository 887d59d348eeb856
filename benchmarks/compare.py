"""Compare two versions of the code, page by page, as a Markdown table.

Interleaved server-time runs of `pages.py` (before, after, before, after, …):

    python benchmarks/compare.py A1.json B1.json A2.json B2.json

Function calls per request from `calls.py` (one file per version):

    python benchmarks/compare.py --calls before.json after.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def _queries(rows: list[dict]) -> str:
    seen = sorted({q for row in rows for q in row["queries"]})
    return str(seen[0]) if len(seen) == 1 else f"{seen[0]}–{seen[-1]}"


def times(files: list[str]) -> None:
    runs = [{row["page"]: row for row in json.loads(Path(f).read_text())["pages"]} for f in files]
    before, after = runs[0::2], runs[1::2]
    print("| page | queries before → after | median ms before (runs) | after (runs) | ratio |")
    print("|---|---|---|---|---|")
    for label in runs[0]:
        b = [run[label] for run in before]
        a = [run[label] for run in after if label in run]
        if len(a) != len(after):
            continue
        bm, am = [r["median_ms"] for r in b], [r["median_ms"] for r in a]
        ratio = statistics.mean(am) / statistics.mean(bm)
        print(
            f"| {label} | {_queries(b)} → {_queries(a)} "
            f"| {statistics.mean(bm):.1f} ({', '.join(map(str, bm))}) "
            f"| {statistics.mean(am):.1f} ({', '.join(map(str, am))}) | {ratio:.2f} |"
        )


def calls(before_file: str, after_file: str) -> None:
    before = json.loads(Path(before_file).read_text())
    after = json.loads(Path(after_file).read_text())
    print("| page | calls per request before | after | ratio |")
    print("|---|---|---|---|")
    for label, row in before.items():
        if label in after and row["status"] == 200:
            ratio = after[label]["calls"] / row["calls"]
            print(f"| {label} | {row['calls']:,} | {after[label]['calls']:,} | {ratio:.3f} |")


if __name__ == "__main__":
    if sys.argv[1] == "--calls":
        calls(sys.argv[2], sys.argv[3])
    else:
        times(sys.argv[1:])
