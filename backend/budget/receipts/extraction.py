"""Reading a receipt's OCR text (SPEC §17): total, date, merchant and currency, by rules.

- **Total**: the amount on a line labelled as the total (TOTAL, SUMME, GESAMT, AMOUNT DUE,
  ZU ZAHLEN, TOTAL TTC, …; never SUBTOTAL, ZWISCHENSUMME, tax or change lines), the
  strongest label winning, the last one on a tie (a grand total follows a sum); without a
  label, the largest amount that is not money handed over or given back.
- **Date**: the first date in the text, in the formats of English and German receipts:
  2025-03-14, 14.03.2025, 14.03.25, 14/03/2025, 03/14/2025, 14 March 2025, 14. März 2025,
  March 14, 2025, Mar 14 2025. A slashed date that reads both ways is month-first for
  dollars and day-first otherwise.
- **Merchant**: the first strong line at the top: mostly letters, not a greeting, a
  document title, an address or a phone number.
- **Currency**: a symbol or ISO code in the text, else the ledger's.

Each comes with a confidence 0-1 the dashboard shows.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from budget.common.money import MAX_AMOUNT

# Label → strength. Matched on whole words, case-insensitively, after OCR slips are evened.
TOTAL_LABELS = {
    "amount due": 5,
    "balance due": 5,
    "total due": 5,
    "zu zahlen": 5,
    "zahlbetrag": 5,
    "endbetrag": 5,
    "grand total": 5,
    "total ttc": 5,
    "gesamtbetrag": 4,
    "rechnungsbetrag": 4,
    "total": 4,
    "summe": 4,
    "gesamt": 4,
    "to pay": 4,
    "sum": 3,
    "betrag": 2,
    "amount": 2,
}
NOT_TOTAL = re.compile(
    r"sub\s*-?\s*total|zwischen\s*summe|netto|\bnet\b|mwst|ust\b|vat\b|\btax|steuer|"
    r"rabatt|discount|items?\b|artikel|anzahl|\bqty\b",
    re.IGNORECASE,
)
HANDED = re.compile(
    r"\bcash\b|\bbar\b|gegeben|tendered|\bchange\b|r[üu]ckgeld|wechselgeld|\bgiven\b|"
    r"\bpaid\b|bezahlt|\bcard\b|\bkarte\b|\bec\b|visa|mastercard|girocard|trinkgeld|\btip\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(r"(?<![\d.,])(-?)(\d{1,3}(?:[.,' ]\d{3})+|\d+)\s?[.,]\s?(\d{2})(?![\d.,]*\d)")
CURRENCIES = [
    (re.compile(r"€|\bEUR\b|\bEuro\b", re.IGNORECASE), "EUR"),
    (re.compile(r"£|\bGBP\b"), "GBP"),
    (re.compile(r"\bCHF\b|\bSFr\b", re.IGNORECASE), "CHF"),
    (re.compile(r"US\$|\bUSD\b|\$"), "USD"),
]
MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "jän": 1, "jänner": 1,
    "feb": 2, "februar": 2, "february": 2,
    "mar": 3, "mär": 3, "märz": 3, "maerz": 3, "march": 3, "marz": 3,
    "apr": 4, "april": 4,
    "may": 5, "mai": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "okt": 10, "october": 10, "oktober": 10,
    "nov": 11, "november": 11,
    "dec": 12, "dez": 12, "december": 12, "dezember": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_ISO = re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s?([./-])\s?(\d{1,2})\s?[./-]\s?(\d{4}|\d{2})(?!\d)")
DATE_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\.?\s*({_MONTH})\.?,?\s*(\d{{4}})", re.IGNORECASE)
DATE_MONTH_DAY = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE
)
NOT_MERCHANT = re.compile(
    r"receipt|kassenbon|kassenbeleg|quittung|rechnung|invoice|beleg|welcome|willkommen|"
    r"thank|danke|vielen|tel\b|phone|fax|www\.|http|@|str\.|straße|strasse|street|\bst\b|"
    r"\bave\b|\broad\b|\bweg\b|\bplatz\b|ust-?id|vat\s*no|steuer",
    re.IGNORECASE,
)


@dataclass
class Reading:
    amount: Decimal | None = None
    date: dt.date | None = None
    merchant: str = ""
    currency: str = ""
    confidence: dict[str, float] = field(
        default_factory=lambda: {"date": 0.0, "amount": 0.0, "payee": 0.0}
    )


def _even(text: str) -> str:
    """Common OCR slips evened out before the rules look: 'T0TAL', 'SUMME:', 'EUR12,50'."""
    return text.replace("\u20ac", " € ").replace("|", " ")


def amounts_in(line: str) -> list[Decimal]:
    """The money amounts written on a line, in order: 1.234,56 / 1,234.56 / 12,50 / 12.50."""
    found = []
    for sign, whole, cents in AMOUNT.findall(line):
        digits = re.sub(r"\D", "", whole)
        value = Decimal(f"{digits}.{cents}")
        if value <= MAX_AMOUNT:
            found.append(-value if sign else value)
    return found


def _label_strength(line: str) -> int:
    lowered = re.sub(r"\s+", " ", line.lower())
    if NOT_TOTAL.search(lowered):
        return 0
    best = 0
    for label, strength in TOTAL_LABELS.items():
        if re.search(rf"(?<![a-zäöü]){re.escape(label)}(?![a-zäöü])", lowered):
            best = max(best, strength)
    return best


def total_find(lines: list[str]) -> tuple[Decimal | None, float]:
    """(total, confidence): the labelled total, else the largest plain amount."""
    best: tuple[int, int, Decimal] | None = None  # strength, line index, amount
    for index, line in enumerate(lines):
        strength = _label_strength(line)
        if not strength:
            continue
        amounts = [a for a in amounts_in(line) if a > 0]
        if not amounts and index + 1 < len(lines):  # the amount on the next line
            amounts = [a for a in amounts_in(lines[index + 1]) if a > 0]
        if amounts and (best is None or (strength, index) >= best[:2]):
            best = (strength, index, amounts[-1])
    if best is not None:
        return best[2], 0.9 if best[0] >= 4 else 0.7
    plain = [
        amount
        for line in lines
        if not HANDED.search(line) and not NOT_TOTAL.search(line)
        for amount in amounts_in(line)
        if amount > 0
    ]
    if plain:
        return max(plain), 0.4
    return None, 0.0


def _this_year() -> int:
    return dt.datetime.now(tz=dt.UTC).year


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        found = dt.date(year, month, day)
    except ValueError:
        return None
    return found if 1990 <= found.year <= _this_year() + 1 else None


def date_find(text: str, *, month_first: bool = False) -> tuple[dt.date | None, float]:
    """(date, confidence): the first date written in `text`."""
    candidates: list[tuple[int, dt.date, float]] = []  # position, date, confidence
    for match in DATE_ISO.finditer(text):
        found = _date(int(match[1]), int(match[2]), int(match[3]))
        if found:
            candidates.append((match.start(), found, 0.9))
    for match in DATE_NUMERIC.finditer(text):
        first, separator, second, year = int(match[1]), match[2], int(match[3]), _year(match[4])
        if separator == "/" and (second > 12 or (first <= 12 and month_first)):
            found, confidence = _date(year, first, second), 0.9 if second > 12 else 0.6
        else:
            found = _date(year, second, first)
            confidence = 0.9 if separator == "." or first > 12 else 0.6
        if found:
            candidates.append((match.start(), found, confidence))
    for match in DATE_DAY_MONTH.finditer(text):
        found = _date(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
        if found:
            candidates.append((match.start(), found, 0.9))
    for match in DATE_MONTH_DAY.finditer(text):
        found = _date(int(match[3]), MONTHS[match[1].lower()], int(match[2]))
        if found:
            candidates.append((match.start(), found, 0.9))
    if not candidates:
        return None, 0.0
    _, found, confidence = min(candidates, key=lambda c: c[0])
    return found, confidence


def merchant_find(lines: list[str]) -> tuple[str, float]:
    """(merchant, confidence): the first strong line among the first few."""
    for line in lines[:6]:
        clean = re.sub(r"[^\w&'.,\- ]", " ", line, flags=re.UNICODE)
        clean = re.sub(r"\s+", " ", clean).strip(" .,-'")
        letters = sum(c.isalpha() for c in clean)
        digits = sum(c.isdigit() for c in clean)
        if letters < 3 or digits > letters / 3 or NOT_MERCHANT.search(clean):
            continue
        if amounts_in(clean):
            continue
        name = clean.title() if clean.isupper() else clean
        return name[:100], 0.8 if letters >= 4 else 0.5
    return "", 0.0


def currency_find(text: str, default: str) -> str:
    for pattern, code in CURRENCIES:
        if pattern.search(text):
            return code
    return default


def receipt_read(text: str, *, default_currency: str) -> Reading:
    """What a receipt's OCR text says."""
    text = _even(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    currency = currency_find(text, default_currency)
    amount, amount_confidence = total_find(lines)
    date, date_confidence = date_find(text, month_first=currency == "USD")
    merchant, merchant_confidence = merchant_find(lines)
    return Reading(
        amount=amount,
        date=date,
        merchant=merchant,
        currency=currency,
        confidence={
            "date": date_confidence,
            "amount": amount_confidence,
            "payee": merchant_confidence,
        },
    )
