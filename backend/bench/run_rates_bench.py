"""Times `rates_import` of a made-up 30-year history of 40 currencies (about 300 000 rates)
and `rates_find` of 500 pairs, on the database DATABASE_URL names (SQLite when unset).

    cd backend && DATABASE_URL=postgres://postgres@127.0.0.1:5432/budget_bench \\
        ../.venv/bin/python bench/run_rates_bench.py

It writes reference rates into that database (the figures are random, not the ECB's): use a
database of its own. Run `manage.py migrate` on it first.
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from budget.accounts.services import user_register  # noqa: E402
from budget.rates.lookup import rates_find  # noqa: E402
from budget.rates.services import reference_rates_import  # noqa: E402

CODES = """
    USD JPY BGN CZK DKK GBP HUF PLN RON SEK CHF ISK NOK TRY AUD BRL CAD CNY HKD IDR
    ILS INR KRW MXN MYR NZD PHP SGD THB ZAR CYP EEK LTL LVL MTL SIT SKK ROL TRL HRK
""".split()  # noqa: SIM905


def history(last: date, years: int) -> bytes:
    rng = random.Random(7)
    lines = ["Date," + ",".join(CODES) + ","]
    day = last
    while day > last - timedelta(days=365 * years):
        if day.weekday() < 5:
            cells = [
                "N/A" if rng.random() < 0.05 else f"{rng.uniform(0.5, 2000):.4f}" for _ in CODES
            ]
            lines.append(f"{day.isoformat()}," + ",".join(cells) + ",")
        day -= timedelta(days=1)
    return ("\n".join(lines) + "\n").encode()


def timed(label: str, run):
    start = time.perf_counter()
    result = run()
    print(f"{label}: {time.perf_counter() - start:.2f} s  {str(result)[:120]}")
    return result


def main() -> None:
    data = history(date(2026, 12, 4), 30)
    print(f"file: {len(data) / 1e6:.1f} MB")
    timed("first import", lambda: reference_rates_import(data=data))
    timed("same file again", lambda: reference_rates_import(data=data))
    user = user_register(email=f"bench-{time.time_ns()}@example.com", password="x" * 20)
    ledger = user.default_ledger
    ledger.currency = "GBP"
    ledger.save(update_fields=["currency"])
    wanted = [(CODES[i % 20], date(2026, 12, 4) - timedelta(days=i * 13)) for i in range(500)]
    found = timed(
        "rates_find, 500 pairs", lambda: rates_find(ledger_id=ledger.pk, base="GBP", wanted=wanted)
    )
    print(f"found {sum(r is not None for r in found.values())} of {len(found)}")
    close = [
        (code, date(2026, 12, 4) - timedelta(days=i)) for i in range(25) for code in CODES[:20]
    ]
    timed(
        "rates_find, 500 pairs in 25 days",
        lambda: len(rates_find(ledger_id=ledger.pk, base="GBP", wanted=close)),
    )


if __name__ == "__main__":
    main()
