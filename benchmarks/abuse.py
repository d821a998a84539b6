"""Hardening benchmark (issue 15): what a hostile page, a hostile admin and a crashing machine do.

Runs the two halves and ends with one JSON line ``{"benchmark": "abuse", "fetch": {...}, "index": {...}}``:

* ``abuse_fetch.py``: 20 slow-drip URL adds in parallel (servers on 127.0.0.1 only, bounded)
  while 200 questions are asked: the slowest question and every add's time against its deadline;
  the address guard's decision on a table of addresses (no traffic);
* ``abuse_index.py``: 50 random damages of a saved index (each must be rebuilt with one warning
  and answer right), 20 ``kill -9`` of ``python -m bot index`` mid-build (no worker left behind,
  checked by pid).

    python benchmarks/abuse.py [--contrast] [--archive-index DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import abuse_fetch
import abuse_index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contrast", action="store_true", help="also run the adds on the shared default executor")
    parser.add_argument("--archive-index", type=Path, help="also time the index checks on this saved index")
    args = parser.parse_args()
    fetch = abuse_fetch.run_fetch_abuse(contrast=args.contrast)
    abuse_fetch.print_table(fetch)
    print()
    index = abuse_index.run_index_abuse()
    print(abuse_index.render(index))
    if args.archive_index:
        index["archive_checks"] = abuse_index.measure_checks(args.archive_index)
        print(f"checks on the saved index at every load: {index['archive_checks']['every_load_ms']:.2f} ms")
    print(json.dumps({"benchmark": "abuse", "fetch": fetch, "index": index}, default=str))
    return 0 if fetch.get("ok") and index.get("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
