"""Report answers → tables (pandas), without Streamlit.

Every builder returns money as exact ``Decimal`` values with their currency's places. The same
frame feeds the screen (`for_display`: "1,234.50 EUR") and the CSV download (`to_csv`:
"1234.50"). A column whose rows are in different currencies (wallets in other currencies,
SPEC §14) names each row's currency in ``frame.attrs["currencies"][column]``; a column in the
base currency with a gap (no rate) holds None there.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from dashboard import labels
from dashboard.formatting import day, format_money, parse_money, places

MONTHS = [calendar.month_abbr[number] for number in range(1, 13)]
PENDING_LABEL = "Pending allocation"
SPLIT_SEPARATOR = " · "
ZERO = Decimal("0.00")
CURRENCIES_ATTR = "currencies"  # frame.attrs: {column: [each row's currency]}
BASE_COLUMN_ATTR = "base_column"  # frame.attrs: the column with the base amount, if any
NO_RATE = "no rate"

Item = Mapping[str, Any]


# --- balances ---------------------------------------------------------------------------------


def in_other_currencies(items: Iterable[Item], base: str | None) -> bool:
    """Whether any wallet (or transaction) is in a currency other than the base one."""
    return base is not None and any((i.get("currency") or base) != base for i in items)


def wallet_table(
    wallets: Iterable[Item], show_archived: bool = False, base: str | None = None
) -> pd.DataFrame:
    """Wallet, Kind, Balance (and Status when archived ones are shown).

    With wallets in other currencies than ``base``: Wallet, Kind, Currency, Balance (each in
    its own currency) and "In <base>" (``balance_base``; empty where there is no rate).
    """
    rows = [w for w in wallets if show_archived or not w["archived"]]
    own = [w.get("currency") or base for w in rows]
    frame = pd.DataFrame(
        {
            "Wallet": [w["name"] for w in rows],
            "Kind": [labels.label(labels.WALLET_KINDS, w["kind"]) for w in rows],
            "Balance": [
                parse_money(w["balance"], places(code)) for w, code in zip(rows, own, strict=True)
            ],
        },
        columns=["Wallet", "Kind", "Balance"],
    )
    if in_other_currencies(rows, base):
        frame.insert(2, "Currency", own)
        column = f"In {base}"
        frame[column] = [_base_value(w.get("balance_base"), base) for w in rows]
        frame.attrs[CURRENCIES_ATTR] = {"Balance": own}
        frame.attrs[BASE_COLUMN_ATTR] = column
    if show_archived:
        frame["Status"] = ["Archived" if w["archived"] else "Active" for w in rows]
    return frame


def _base_value(value: Any, base: str | None) -> Decimal | None:
    return None if value is None else parse_money(value, places(base))


def bucket_table(buckets: Iterable[Item], show_archived: bool = False) -> pd.DataFrame:
    """Bucket, Allocation (the system bucket takes the rest), Balance (and Status)."""
    rows = [b for b in buckets if show_archived or not b["archived"]]
    frame = pd.DataFrame(
        {
            "Bucket": [b["name"] for b in rows],
            "Allocation": [_allocation(b) for b in rows],
            "Balance": [parse_money(b["balance"]) for b in rows],
        },
        columns=["Bucket", "Allocation", "Balance"],
    )
    if show_archived:
        frame["Status"] = ["Archived" if b["archived"] else "Active" for b in rows]
    return frame


def _allocation(bucket: Item) -> str:
    if bucket.get("is_system"):
        return "The rest"
    percent = bucket.get("allocation_percent")
    if percent is None:
        return "—"
    return f"{parse_money(percent)} %"


# --- recent transactions ----------------------------------------------------------------------


def transaction_table(
    items: Iterable[Item],
    wallets: Iterable[Item],
    buckets: Iterable[Item],
    categories: Iterable[Item] = (),
    wallet: str | None = None,
    base: str | None = None,
) -> pd.DataFrame:
    """Date, Kind, Description, Category, Wallet, Bucket, Amount — names resolved from the lists.

    An expense shows a negative amount; an allocated income lists its split
    ("Savings 20.00 · Fun 10.00 · Unallocated 70.00"); a pending one says so. With ``wallet``
    (a wallet's register) a transfer out of it is negative too, and when the API sent each
    row's ``running_balance`` a Balance column follows the amount.

    Amounts are in the currency of the wallet each row touches (SPEC §14; a transfer into a
    register's wallet in its own currency, ``to_amount``); when a row is in another currency
    than ``base``, an "In <base>" column shows every row's ``base_amount`` beside it.
    """
    items = list(items)
    wallets = list(wallets)
    wallet_currency = {str(w["id"]): w.get("currency") for w in wallets}
    wallet_names = {str(w["id"]): w["name"] for w in wallets}
    bucket_names = {str(b["id"]): b["name"] for b in buckets}
    system = next((b["name"] for b in buckets if b.get("is_system")), "Unallocated")
    category_names = {str(c["id"]): c["name"] for c in categories}
    rows = []
    own = [_own_currency(item, wallet, wallet_currency, base) for item in items]
    for item, currency in zip(items, own, strict=True):
        rows.append(
            {
                "Date": day(item["date"]),
                "Kind": labels.label(labels.TRANSACTION_KINDS, item["kind"]),
                "Description": item.get("description") or "",
                "Category": _name(category_names, item.get("category")),
                "Wallet": _pair(wallet_names, item, "wallet"),
                "Bucket": _bucket_text(item, bucket_names, system),
                "Amount": _signed_amount(item, wallet, currency),
            }
        )
    columns = ["Date", "Kind", "Description", "Category", "Wallet", "Bucket", "Amount"]
    frame = pd.DataFrame(rows, columns=columns)
    currencies: dict[str, list] = {}
    if any(currency for currency in own):
        currencies["Amount"] = [currency or base for currency in own]
    if wallet and frame.shape[0] and all(i.get("running_balance") is not None for i in items):
        in_wallet = wallet_currency.get(str(wallet)) or base
        frame["Balance"] = [parse_money(i["running_balance"], places(in_wallet)) for i in items]
        currencies["Balance"] = [in_wallet] * len(items)
    if base is not None and any(c and c != base for c in own):
        column = f"In {base}"
        frame[column] = [
            _signed(item, wallet, _base_value(item.get("base_amount"), base)) for item in items
        ]
        frame.attrs[BASE_COLUMN_ATTR] = column
    if currencies:
        frame.attrs[CURRENCIES_ATTR] = currencies
    return frame


def _own_currency(
    item: Item, wallet: str | None, wallet_currency: Mapping[str, Any], base: str | None
) -> str | None:
    """The currency a row's amount is in: the transaction's, or in a register the receiving
    wallet's for a transfer into it (its ``to_amount``)."""
    into = wallet and item["kind"] == "transfer" and str(item.get("to_wallet")) == str(wallet)
    if into and item.get("to_amount") is not None:
        return wallet_currency.get(str(wallet)) or base
    return item.get("currency")


def _name(names: Mapping[str, str], ref: Any) -> str:
    if ref is None:
        return ""
    return names.get(str(ref), "Unknown")


def _pair(names: Mapping[str, str], item: Item, field: str) -> str:
    """`wallet`, or "From → To" for a transfer."""
    if item.get(field):
        return _name(names, item[field])
    source, target = item.get(f"from_{field}"), item.get(f"to_{field}")
    if source or target:
        return f"{_name(names, source)} → {_name(names, target)}"
    return ""


def _bucket_text(item: Item, names: Mapping[str, str], system: str) -> str:
    if item["kind"] == "income" and not item.get("bucket"):
        if item.get("allocation_status") == "pending":
            return PENDING_LABEL
        return split_text(item, system)
    if item["kind"] in ("expense", "adjustment") and not item.get("bucket"):
        return system
    return _pair(names, item, "bucket")


def split_text(item: Item, system: str = "Unallocated") -> str:
    """An allocated income's allocation rows ("Savings 20.00 · Fun 10.00").

    What stayed in the system bucket is not a row (SPEC §10): it is the rest of the amount,
    named last so the parts add up to the income.
    """
    allocations = item.get("allocations") or []
    parts = [
        f"{allocation['bucket_name']} {parse_money(allocation['amount']):,.2f}"
        for allocation in allocations
    ]
    rest = parse_money(item["amount"]) - sum(
        (parse_money(allocation["amount"]) for allocation in allocations), Decimal(0)
    )
    if rest or not parts:
        parts.append(f"{system} {rest:,.2f}")
    return SPLIT_SEPARATOR.join(parts)


def _signed_amount(item: Item, wallet: str | None = None, currency: str | None = None) -> Decimal:
    """Out of the money is negative: an expense, and in a wallet's register a transfer out of
    that wallet. Without a wallet a transfer moves money and keeps its plain amount. A
    transfer into a register's wallet in another currency shows what arrived (``to_amount``)."""
    raw = item["amount"]
    into = wallet and item["kind"] == "transfer" and str(item.get("to_wallet")) == str(wallet)
    if into and item.get("to_amount") is not None:
        raw = item["to_amount"]
    return _signed(item, wallet, parse_money(raw, places(currency)))


def _signed(item: Item, wallet: str | None, amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    if item["kind"] == "expense":
        return -amount
    if wallet and item["kind"] == "transfer" and str(item.get("from_wallet")) == wallet:
        return -amount
    return amount


# --- reports ----------------------------------------------------------------------------------


def category_table(categories: Iterable[Item]) -> pd.DataFrame:
    """Category, Type, Total — in the API's order (total descending)."""
    rows = list(categories)
    return pd.DataFrame(
        {
            "Category": [c["name"] for c in rows],
            "Type": [labels.label(labels.CATEGORY_TYPES, c["type"]) for c in rows],
            "Total": [parse_money(c["total"]) for c in rows],
        },
        columns=["Category", "Type", "Total"],
    )


def bucket_spent_table(buckets: Iterable[Item]) -> pd.DataFrame:
    rows = list(buckets)
    return pd.DataFrame(
        {"Bucket": [b["name"] for b in rows], "Spent": [parse_money(b["spent"]) for b in rows]},
        columns=["Bucket", "Spent"],
    )


def day_table(days: Iterable[Item]) -> pd.DataFrame:
    rows = list(days)
    return pd.DataFrame(
        {
            "Date": [str(d["date"]) for d in rows],
            "Income": [parse_money(d["income"]) for d in rows],
            "Expense": [parse_money(d["expense"]) for d in rows],
        },
        columns=["Date", "Income", "Expense"],
    )


def month_table(months: Iterable[Item]) -> pd.DataFrame:
    return _period_table(months, "month", "Month", lambda m: MONTHS[int(m) - 1])


def year_table(years: Iterable[Item]) -> pd.DataFrame:
    return _period_table(years, "year", "Year", str)


def _period_table(rows: Iterable[Item], key: str, label: str, name: Any) -> pd.DataFrame:
    """Income, expense and net per period; with a wallet or bucket filter (the API then
    gives them), the transfers in and out too."""
    rows = list(rows)
    columns = {
        label: [name(r[key]) for r in rows],
        "Income": [parse_money(r["income"]) for r in rows],
        "Expense": [parse_money(r["expense"]) for r in rows],
        "Net": [parse_money(r["net"]) for r in rows],
    }
    if rows and rows[0].get("transfers_in") is not None:
        columns["Transfers in"] = [parse_money(r["transfers_in"]) for r in rows]
        columns["Transfers out"] = [parse_money(r["transfers_out"]) for r in rows]
    return pd.DataFrame(columns, columns=list(columns))


def category_month_table(categories: Iterable[Item]) -> pd.DataFrame:
    """Category by month: Category, Type, Total, Jan … Dec (the total first: the table is wide)."""
    rows = []
    for category in categories:
        row = {
            "Category": category["name"],
            "Type": labels.CATEGORY_TYPES.get(category["type"], ""),
            "Total": parse_money(category["total"]),
        }
        row.update(zip(MONTHS, (parse_money(v) for v in category["months"]), strict=True))
        rows.append(row)
    return pd.DataFrame(rows, columns=["Category", "Type", "Total", *MONTHS])


def category_year_table(categories: Iterable[Item], years: Sequence[int]) -> pd.DataFrame:
    """Category by year: Category, Type, one column per year (0.00 where none), Total."""
    year_labels = [str(year) for year in years]
    rows = []
    for category in categories:
        totals = {str(y["year"]): parse_money(y["total"]) for y in category["years"]}
        row = {
            "Category": category["name"],
            "Type": labels.CATEGORY_TYPES.get(category["type"], ""),
        }
        row.update((label, totals.get(label, ZERO)) for label in year_labels)
        row["Total"] = parse_money(category["total"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["Category", "Type", *year_labels, "Total"])


# --- CSV import -------------------------------------------------------------------------------

IMPORT_STATUS = {"ok": "OK", "error": "Error", "duplicate": "Possible duplicate"}


def import_preview_table(preview: Iterable[Item], currency: str) -> pd.DataFrame:
    """The first rows of a checked CSV file as the import job read them: Row (the line in the
    file), Status, Date, Kind, Description, Category, Wallet, Bucket, Amount, Tags.

    Amounts are text here ("-12.30 EUR"): a row with an error keeps the cell as written.
    """
    rows = []
    for item in preview:
        valid = bool(item.get("valid"))
        status = "duplicate" if valid and item.get("duplicate") else "ok" if valid else "error"
        tags = item.get("tags") or []
        rows.append(
            {
                "Row": int(item["row"]),
                "Status": IMPORT_STATUS[status],
                "Date": str(item.get("date") or ""),
                "Kind": labels.label(labels.TRANSACTION_KINDS, item.get("kind") or ""),
                "Description": item.get("description") or "",
                "Category": item.get("category") or "",
                "Wallet": _plain_pair(item, "wallet"),
                "Bucket": _plain_pair(item, "bucket"),
                "Amount": _preview_amount(item, valid, currency),
                "Tags": ", ".join(tags) if isinstance(tags, list) else str(tags),
            }
        )
    columns = [
        "Row",
        "Status",
        "Date",
        "Kind",
        "Description",
        "Category",
        "Wallet",
        "Bucket",
        "Amount",
        "Tags",
    ]
    return pd.DataFrame(rows, columns=columns)


def _plain_pair(item: Item, field: str) -> str:
    """A name, or "From → To" for a transfer; the preview holds names, not ids."""
    if item.get(field):
        return str(item[field])
    source, target = item.get(f"from_{field}"), item.get(f"to_{field}")
    if source or target:
        return f"{source or ''} → {target or ''}"
    return ""


def _preview_amount(item: Item, valid: bool, currency: str) -> str:
    raw = item.get("amount")
    if not valid or raw in (None, ""):
        return "" if raw is None else str(raw)
    own = item.get("currency") or currency  # the wallet's, in a ledger of currencies
    amount = parse_money(raw, places(own))
    return format_money(-amount if item.get("kind") == "expense" else amount, own)


def import_error_table(errors: Iterable[Item]) -> pd.DataFrame:
    """Row (the line in the file), Field, Message."""
    rows = list(errors)
    return pd.DataFrame(
        {
            "Row": [e.get("row") for e in rows],
            "Field": [_field_name(e.get("field")) for e in rows],
            "Message": [e.get("message") or "" for e in rows],
        },
        columns=["Row", "Field", "Message"],
    )


def _field_name(field: Any) -> str:
    if not field:
        return ""
    text = str(field).replace("_", " ")
    return text[:1].upper() + text[1:]


def import_duplicate_table(
    duplicates: Iterable[Item], described: Mapping[str, str]
) -> pd.DataFrame:
    """Row (the line in the file) and the transaction already in the ledger that it matches,
    described where ``described`` knows it."""
    rows = list(duplicates)
    return pd.DataFrame(
        {
            "Row": [d["row"] for d in rows],
            "Already in the ledger": [
                described.get(str(d["transaction"]), "A transaction with the same details")
                for d in rows
            ],
        },
        columns=["Row", "Already in the ledger"],
    )


# --- output -----------------------------------------------------------------------------------


def sign(value: Decimal) -> int:
    """1 for money in, -1 for money out, 0 for none (the colour of an amount)."""
    return (value > 0) - (value < 0)


def money_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that hold money (every value a Decimal; a base amount may be None where
    there is no rate)."""
    return [
        column
        for column in frame.columns
        if len(frame)
        and all(isinstance(value, Decimal | None) for value in frame[column])
        and any(isinstance(value, Decimal) for value in frame[column])
    ]


def row_currencies(frame: pd.DataFrame, column: str, currency: str) -> list[str]:
    """Each row's currency in ``column``: as ``frame.attrs`` names them, else ``currency``."""
    named = frame.attrs.get(CURRENCIES_ATTR, {}).get(column)
    return list(named) if named is not None else [currency] * len(frame)


def column_order(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """``columns`` that the frame has, with the amount in the base currency (a ledger with
    wallets in other currencies) right after the amount."""
    order = [c for c in columns if c in frame.columns]
    base_column = frame.attrs.get(BASE_COLUMN_ATTR)
    if base_column in frame.columns:
        order.insert(order.index("Amount") + 1, base_column)
    return order


def for_display(frame: pd.DataFrame, currency: str) -> pd.DataFrame:
    """A copy with every money column as text: "1,234.50 EUR", "¥15,000" (each row in its
    currency where the frame names one; "no rate" for a missing base amount)."""
    shown = frame.copy()
    for column in money_columns(frame):
        gap = NO_RATE if column == frame.attrs.get(BASE_COLUMN_ATTR) else "—"
        shown[column] = [
            gap if value is None else format_money(value, code)
            for value, code in zip(
                frame[column], row_currencies(frame, column, currency), strict=True
            )
        ]
    return shown


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading "'" (the server's
    export follows the same rule); anything else, numbers included, is left as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV; money as plain decimals with two places ("1234.50", "-12.30"), no currency;
    text that would start a formula quoted (`csv_cell`)."""
    money = money_columns(frame)
    plain = frame.copy()
    for column in frame.columns:
        if column in money:
            plain[column] = [
                "" if value is None else f"{parse_money(value, places(code)):.{places(code)}f}"
                for value, code in zip(
                    frame[column], row_currencies(frame, column, ""), strict=True
                )
            ]
        else:
            plain[column] = [csv_cell(value) for value in frame[column]]
    return plain.to_csv(index=False).encode("utf-8")
