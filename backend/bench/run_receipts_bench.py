"""Benchmark of receipt scanning (SPEC §17): how often the OCR and the extraction rules read
the right total and date, and how long one receipt takes.

    cd backend && ../.venv/bin/python bench/run_receipts_bench.py [--receipts 100] [--seed 0]

Draws N receipts with Pillow (budget/receipts/tests/helpers.py: English and German, seven
fonts, 20-30 px, a rotation of up to 2 degrees, noise and blur, totals labelled TOTAL,
Amount due, SUMME, Gesamt, Zu zahlen, … next to subtotals, tax lines and cash handed over),
reads each as the worker does (pre-processing, Tesseract, extraction; no database) and
compares with what it was drawn from. Needs Tesseract with English and German.

Prints a Markdown table and writes bench-results/receipts.json. Targets: total read right
in >= 90 %, date in >= 80 %, <= 3 s per receipt.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BACKEND))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from budget.receipts import ocr  # noqa: E402
from budget.receipts.extraction import receipt_read  # noqa: E402
from budget.receipts.tests.helpers import receipt_draw  # noqa: E402

TARGETS = {"total_rate": 0.90, "date_rate": 0.80, "seconds_per_receipt": 3.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="the first receipt's seed")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    if ocr.tesseract_path() is None:
        sys.exit("Tesseract is missing: apt-get install tesseract-ocr tesseract-ocr-eng "
                 "tesseract-ocr-deu")  # fmt: skip
    totals = dates = 0
    seconds = 0.0
    for seed in range(args.seed, args.seed + args.receipts):
        drawn = receipt_draw(seed)
        started = time.perf_counter()
        reading = receipt_read(ocr.text_read(drawn.png, "image/png"), default_currency="EUR")
        seconds += time.perf_counter() - started
        totals += reading.amount == drawn.total
        dates += reading.date == drawn.date
        if args.verbose and (reading.amount != drawn.total or reading.date != drawn.date):
            print(f"seed {seed}: total {drawn.total} read {reading.amount}, "
                  f"date {drawn.date} read {reading.date}")  # fmt: skip
    n = args.receipts
    results = {
        "receipts": n,
        "total_rate": round(totals / n, 3),
        "date_rate": round(dates / n, 3),
        "seconds_per_receipt": round(seconds / n, 2),
    }
    print("| measure | result | target |\n|---|---|---|")
    print(f"| total read right | {results['total_rate']:.1%} | >= 90 % |")
    print(f"| date read right | {results['date_rate']:.1%} | >= 80 % |")
    print(f"| seconds per receipt | {results['seconds_per_receipt']:.2f} | <= 3 |")
    out = BACKEND.parent / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "receipts.json").write_text(json.dumps(results, indent=2))
    missed = [
        name
        for name, target in TARGETS.items()
        if (results[name] > target if name == "seconds_per_receipt" else results[name] < target)
    ]
    if missed:
        sys.exit(f"missed targets: {', '.join(missed)}")


if __name__ == "__main__":
    main()
