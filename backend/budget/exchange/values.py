"""The dates and amounts banks write, read into `date` and `Decimal` (SPEC §11). No database.

- A date format is one of the names of `NAMED_FORMATS` (`iso`, `DD/MM/YYYY`, … — a time part
  after the date is read and dropped) or a pattern of strftime directives (`%d.%m.%Y %H:%M`).
  Month names are English, whatever the server's locale; two-digit years 00 to 68 are 20xx
  and 69 to 99 are 19xx.
- An amount may carry a sign before or after it, parentheses or a `CR`/`DR` suffix, a currency
  symbol or ISO code before or after it, and thousands separators that fit the decimal
  separator. It is never rounded.
- `auto`: `values_detect` reads the date and amount cells of a whole file once and picks the
  date format and the decimal separator that read every cell; two date formats that both read
  every cell but give different dates (03/04/2025) make it ask (`AmbiguousDates`).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import combinations
from typing import Any

from budget.common.money import MAX_AMOUNT
from budget.ledgers.currencies import ISO_4217

AUTO = "auto"

# --- Dates -----------------------------------------------------------------------------------

_MONTH_NAMES = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
MONTHS |= {name[:3]: number for name, number in list(MONTHS.items())}
MONTHS["sept"] = 9

# directive → (group name, regular expression). %b and %B read abbreviated and full names alike.
DIRECTIVES = {
    "d": ("day", r"[0-9]{1,2}"),
    "m": ("month", r"[0-9]{1,2}"),
    "y": ("year2", r"[0-9]{2}"),
    "Y": ("year", r"[0-9]{4}"),
    "b": ("month_name", r"[A-Za-z]{3,9}\.?"),
    "B": ("month_name", r"[A-Za-z]{3,9}\.?"),
    "H": ("hour", r"[0-9]{1,2}"),
    "I": ("hour12", r"[0-9]{1,2}"),
    "M": ("minute", r"[0-9]{2}"),
    "S": ("second", r"[0-9]{2}(?:[.,][0-9]{1,9})?"),
    "z": ("zone", r"Z|[+-][0-9]{2}(?::?[0-9]{2})?"),
    "p": ("ampm", r"(?i:[ap]\.?m\.?)"),
}
_NUMERIC = set("dmyYHIMS")
# Without a separator between them (%Y%m%d) a day or month must have its two digits.
_FIXED_WIDTH = {"d": r"[0-9]{2}", "m": r"[0-9]{2}", "H": r"[0-9]{2}", "I": r"[0-9]{2}"}
_CONCEPT = {"month_name": "month", "year2": "year", "hour12": "hour"}
_TOKEN = re.compile(r"%(.?)|[^%]+", re.DOTALL)

# The formats `auto` tries, in this order (the first wins among formats that agree).
NAMED_FORMATS = {
    "iso": "%Y-%m-%d",
    "YYYY/MM/DD": "%Y/%m/%d",
    "YYYY.MM.DD": "%Y.%m.%d",  # Hungarian banks end it with a dot: 2019.04.19.
    "YYYYMMDD": "%Y%m%d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "MM-DD-YYYY": "%m-%d-%Y",
    "DD/MM/YY": "%d/%m/%y",
    "MM/DD/YY": "%m/%d/%y",
    "DD.MM.YY": "%d.%m.%y",
    "DD-MM-YY": "%d-%m-%y",
    "DD-Mon-YYYY": "%d-%b-%Y",  # American Express: 12-Dec-2019
    "DD-Mon-YY": "%d-%b-%y",
    "DD Mon YYYY": "%d %b %Y",  # 19 Apr 2019, 19 April 2019
    "DD Mon YY": "%d %b %y",
    "Mon DD, YYYY": "%b %d, %Y",
    "Mon DD YYYY": "%b %d %Y",
    "DD/MM'YY": "%d/%m'%y",  # Quicken's QIF: 23/1'19
    "MM/DD'YY": "%m/%d'%y",  # 1/23'19
}
_TRAILING_DOT = {"YYYY.MM.DD", "DD.MM.YYYY", "DD.MM.YY"}

# A time after a named format's date: `T10:22:01Z`, ` 10:22`, ` 9:05 PM`, `+01:00`.
_TIME_PART = re.compile(
    r"(?:T|\s+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,][0-9]{1,9})?)?"
    r"\s*(?P<ampm>(?i:[ap]\.?m\.?))?"
    r"\s*(?:Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
_EXAMPLE = {
    "d": "31",
    "m": "03",
    "y": "25",
    "Y": "2025",
    "b": "Mar",
    "B": "March",
    "H": "14",
    "I": "02",
    "M": "05",
    "S": "00",
    "z": "+0100",
    "p": "PM",
}


class AmbiguousDates(ValueError):
    """Two formats read every date cell of the file but give different dates."""


@dataclass(frozen=True)
class DateFormat:
    name: str  # a name of NAMED_FORMATS, or the pattern itself
    regex: re.Pattern[str]
    example: str  # 31 March 2025 in this format, for messages
    named: bool  # a named format also reads (and drops) a time after the date

    def read(self, text: str) -> date | None:
        """The date in `text`, or None when it is not one in this format."""
        if self.named:
            text = _without_time(text)
            if text is None:
                return None
        return self.read_date(text)

    def read_date(self, text: str) -> date | None:
        match = self.regex.fullmatch(text)
        if match is None:
            return None
        try:
            return _date_of(match.groupdict())
        except ValueError:
            return None


def _without_time(text: str) -> str | None:
    """The text before a time part (the text itself when it has none); None for a time that
    is no time (25:00)."""
    match = _TIME_PART.search(text) if ":" in text else None
    if match is None:
        return text
    hour, minute, second = match["hour"], match["minute"], match["second"]
    try:
        _time_check(hour=hour, minute=minute, second=second, twelve=bool(match["ampm"]))
    except ValueError:
        return None
    return text[: match.start()]


def _time_check(*, hour: str | None, minute: str | None, second: str | None, twelve: bool):
    if hour is not None and not (1 <= int(hour) <= 12 if twelve else int(hour) <= 23):
        raise ValueError("no hour")
    if minute is not None and int(minute) > 59:
        raise ValueError("no minute")
    if second is not None and int(second[:2]) > 60:
        raise ValueError("no second")


def _date_of(groups: dict[str, Any]) -> date:
    if groups.get("hour12") is not None:
        _time_check(hour=groups["hour12"], minute=None, second=None, twelve=True)
    _time_check(
        hour=groups.get("hour"),
        minute=groups.get("minute"),
        second=groups.get("second"),
        twelve=False,
    )
    if groups.get("year") is not None:
        year = int(groups["year"])
    else:
        two = int(groups["year2"])
        year = 2000 + two if two <= 68 else 1900 + two
    if groups.get("month") is not None:
        month = int(groups["month"])
    else:
        month = MONTHS.get(groups["month_name"].rstrip(".").casefold(), 0)
    return date(year, month, int(groups["day"]))


def _compile(pattern: str, *, name: str, trailing_dot: bool = False) -> DateFormat:
    tokens = [(m[1], m[0]) for m in _TOKEN.finditer(pattern)]  # (directive or None, text)
    parts, example, seen = [], [], set()
    for index, (directive, text) in enumerate(tokens):
        if directive is None:  # literal text; a run of spaces reads any run of spaces
            parts.append(r"\s+".join(re.escape(piece) for piece in re.split(r"\s+", text)))
            example.append(text)
            continue
        if directive == "%":
            parts.append("%")
            example.append("%")
            continue
        if directive not in DIRECTIVES:
            shown = f"%{directive}" if directive else "a lone %"
            raise ValueError(
                f"The date pattern '{pattern}' has {shown}; use only "
                f"{' '.join('%' + d for d in DIRECTIVES)} (and %% for a percent sign)."
            )
        group, regex = DIRECTIVES[directive]
        concept = _CONCEPT.get(group, group)
        if concept in seen:
            raise ValueError(f"The date pattern '{pattern}' gives the {concept} twice.")
        seen.add(concept)
        neighbours = {tokens[i][0] for i in (index - 1, index + 1) if 0 <= i < len(tokens)}
        if directive in _FIXED_WIDTH and neighbours & _NUMERIC:
            regex = _FIXED_WIDTH[directive]
        parts.append(f"(?P<{group}>{regex})")
        example.append(_EXAMPLE[directive])
    if not {"day", "month", "year"} <= seen:
        raise ValueError(
            f"The date pattern '{pattern}' needs a day (%d), a month (%m, %b or %B) and a year "
            "(%Y or %y)."
        )
    regex = "".join(parts) + (r"\.?" if trailing_dot else "")
    return DateFormat(name, re.compile(regex), "".join(example), named=name in NAMED_FORMATS)


@lru_cache(maxsize=256)
def date_format_get(date_format: str) -> DateFormat:
    """The format of a name of NAMED_FORMATS or of a pattern with directives; ValueError
    (a message for the user) for anything else."""
    if date_format in NAMED_FORMATS:
        return _compile(
            NAMED_FORMATS[date_format],
            name=date_format,
            trailing_dot=date_format in _TRAILING_DOT,
        )
    if "%" not in date_format:
        raise ValueError(
            f"'{date_format}' is no date format; use auto, one of {', '.join(NAMED_FORMATS)}, "
            "or a pattern such as %d.%m.%Y."
        )
    return _compile(date_format, name=date_format)


def date_format_check(date_format: str) -> str:
    """`auto`, a named format or a valid pattern, as given; ValueError otherwise."""
    if date_format != AUTO:
        date_format_get(date_format)
    return date_format


def parse_date(text: str, date_format: str) -> date:
    """The date in a cell (a time after it is dropped); ValueError saying why not."""
    fmt = date_format_get(date_format)
    day = fmt.read(text)
    if day is not None:
        return day
    part = _without_time(text) if fmt.named else text
    if part is not None and fmt.regex.fullmatch(part):
        raise ValueError(f"'{text}' is not a real date.")
    raise ValueError(f"'{text}' is not a date in the format {fmt.name} (e.g. {fmt.example}).")


# --- Amounts ---------------------------------------------------------------------------------

_SPACES = " \t\u00a0\u202f\u2009"
# Currency symbols, longest first so that US$ is not read as US + $.
_SYMBOLS = sorted(
    [
        *("$", "£", "€", "¥", "₹", "₽", "₩", "₺", "₪", "₫", "₱", "₦", "฿", "₴", "₸", "₼", "₾"),
        *("US$", "A$", "AU$", "C$", "CA$", "NZ$", "HK$", "S$", "R$", "zł", "Kč", "kr", "Ft", "Fr."),
    ],
    key=len,
    reverse=True,
)
_CODE_FIRST = re.compile(r"[A-Z]{3}(?![A-Za-z])")
_CODE_LAST = re.compile(r"(?<![A-Za-z])[A-Z]{3}$")
_CR_DR = re.compile(r"(?<![A-Za-z])(?i:(CR|DR)\.?)$")
_MINUS = "-\u2212"  # a hyphen, or the minus sign typesetting programs write
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
# Groups of three digits between separators that fit the decimal separator, the same
# separator throughout; a group never starts with 0 ("0.001" is no amount with a decimal comma).
_GROUPS = {".": ",' \u00a0\u202f\u2009\u2019", ",": ".' \u00a0\u202f\u2009\u2019"}
_NUMBER = {
    decimal: re.compile(
        rf"(?:[0-9]+|[1-9][0-9]{{0,2}}(?P<g>[{re.escape(groups)}])[0-9]{{3}}(?:(?P=g)[0-9]{{3}})*)?"
        rf"(?:{re.escape(decimal)}[0-9]+)?"
    )
    for decimal, groups in _GROUPS.items()
}
AMOUNT_EXAMPLES = {".": "1234.56, -1,234.56 or (12.34)", ",": "1234,56 or -1.234,56"}
CENT = Decimal("0.01")
MILLI = Decimal("0.001")


def _currency_off(text: str) -> str | None:
    """The text without a currency symbol or ISO code at its start or end; None if it has none."""
    for symbol in _SYMBOLS:
        if text.startswith(symbol):
            return text[len(symbol) :].lstrip(_SPACES)
        if text.endswith(symbol):
            return text[: -len(symbol)].rstrip(_SPACES)
    match = _CODE_FIRST.match(text)
    if match and match[0] in ISO_4217:
        return text[3:].lstrip(_SPACES)
    match = _CODE_LAST.search(text)
    if match and match[0] in ISO_4217:
        return text[:-3].rstrip(_SPACES)
    return None


def _marks_off(text: str) -> tuple[str, bool] | None:
    """(the number's text, negative) once the sign marks and the currency are taken off;
    None when they repeat or contradict each other (`--1`, `-(1)`, `$1 EUR`)."""
    text = text.strip(_SPACES)
    negative: bool | None = None
    currency = False
    while text:
        if text[0] == "(" and text[-1] == ")":
            sign, text = True, text[1:-1].strip(_SPACES)
        elif text[0] in _MINUS or text[0] == "+":
            sign, text = text[0] != "+", text[1:].lstrip(_SPACES)
        elif text[-1] in _MINUS or text[-1] == "+":
            sign, text = text[-1] != "+", text[:-1].rstrip(_SPACES)
        elif match := _CR_DR.search(text):
            sign, text = match[1].upper() == "DR", text[: match.start()].rstrip(_SPACES)
        else:
            rest = None if currency else _currency_off(text)
            if rest is None:
                break
            currency, text = True, rest
            continue
        if negative is not None:
            return None
        negative = sign
    return text, bool(negative)


def _number(text: str, decimal: str) -> Decimal | None:
    """The signed number a cell writes with this decimal separator, however many decimal
    places it has; None when the cell is no number with it."""
    if _PLAIN.fullmatch(text) and (decimal == "." or "." not in text):
        return Decimal(text)
    marked = _marks_off(text)
    if marked is None or not marked[0] or not _NUMBER[decimal].fullmatch(marked[0]):
        return None
    digits, negative = marked
    digits = re.sub(r"[^0-9" + re.escape(decimal) + "]", "", digits).replace(decimal, ".")
    return -Decimal(digits) if negative else Decimal(digits)


def parse_amount(text: str, decimal: str) -> Decimal:
    """An exact, signed Decimal with two places (three when it has a third); a fourth
    decimal place is refused, never rounded. The wallet's currency decides later how many
    it may have (SPEC §14). ValueError saying why a cell is no amount."""
    number = _number(text, decimal)
    if number is None:
        hint = ""
        if decimal == "." and "," in text and _number(text, ",") is not None:
            hint = " If the file writes a decimal comma, choose decimal ','."
        raise ValueError(
            f"'{text}' is not an amount; write it like {AMOUNT_EXAMPLES[decimal]}.{hint}"
        )
    if abs(number) > MAX_AMOUNT:
        raise ValueError("The amount is too large (at most 999999999999.99).")
    if number != number.quantize(MILLI, rounding="ROUND_DOWN"):
        raise ValueError(f"'{text}' has more than 3 decimal places; nothing is rounded.")
    cents = number.quantize(CENT, rounding="ROUND_DOWN")
    return cents if cents == number else number.quantize(MILLI)


def decimal_check(decimal: str) -> str:
    if decimal not in (AUTO, ".", ","):
        raise ValueError("The decimal separator is auto, '.' or ','.")
    return decimal


# --- auto: one pass over every cell ----------------------------------------------------------

DATE_FIELDS = ("date",)
AMOUNT_FIELDS = (
    "amount",
    "signed_amount",
    "debit",
    "credit",
    "base_amount",
    "to_amount",
    "foreign_amount",
)
_CACHE_LIMIT = 10_000  # distinct dates remembered (a year of days is 366)


class DateDetector:
    """Tries every named format on each date cell as it comes, remembering only counts, the
    pairs of formats that disagreed on some cell, and the distinct texts already read."""

    def __init__(self) -> None:
        self.formats = [date_format_get(name) for name in NAMED_FORMATS]
        self.failures = [0] * len(self.formats)
        self.cells = 0
        self.disagreements: dict[tuple[int, int], tuple[int, str]] = {}
        # A distinct text's readings, and how often it came (failures are counted at the end).
        self._read: dict[str, tuple[date | None, ...]] = {}
        self._seen: dict[str, int] = {}

    def add(self, line: int, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self.cells += 1
        part = _without_time(text)  # date-times differ by the time: remembered by the date
        key = text if part is None else part
        if key in self._seen:
            self._seen[key] += 1
            return
        days = self._read_all(line, text, part)
        if len(self._read) < _CACHE_LIMIT:
            self._read[key], self._seen[key] = days, 1
        else:
            self._count(days, 1)

    def _count(self, days: tuple[date | None, ...], times: int) -> None:
        for index, day in enumerate(days):
            if day is None:
                self.failures[index] += times

    def _read_all(self, line: int, text: str, part: str | None) -> tuple[date | None, ...]:
        if part is None:
            return (None,) * len(self.formats)
        days = tuple(fmt.read_date(part) for fmt in self.formats)
        readers = [(index, day) for index, day in enumerate(days) if day is not None]
        for (i, first), (j, second) in combinations(readers, 2):
            if first != second:
                self.disagreements.setdefault((i, j), (line, text))
        return days

    def result(self) -> str | None:
        """The format that reads every cell; when none does, the one that reads most (its
        unread cells are row errors); None without any date cell or any readable one.
        AmbiguousDates when two formats read every cell and disagree on one."""
        if not self.cells:
            return None
        for text, times in self._seen.items():
            self._count(self._read[text], times)
        self._seen.clear()
        complete = [index for index, count in enumerate(self.failures) if count == 0]
        for pair in combinations(complete, 2):
            if pair in self.disagreements:
                line, text = self.disagreements[pair]
                first, second = (self.formats[i] for i in pair)
                raise AmbiguousDates(
                    f"The dates read as {first.name} and as {second.name} alike, but give "
                    f"different days: line {line} has '{text}' ({_spelled(first.read(text))} "
                    f"or {_spelled(second.read(text))}). Choose the date_format."
                )
        if complete:
            return self.formats[complete[0]].name
        best = min(range(len(self.formats)), key=lambda index: self.failures[index])
        return self.formats[best].name if self.failures[best] < self.cells else None


def _spelled(day: date | None) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1].title()} {day.year}" if day else "?"


class DecimalDetector:
    def __init__(self) -> None:
        self.failures = {".": 0, ",": 0}
        self.cells = 0

    def add(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self.cells += 1
        if _PLAIN.fullmatch(text):  # most cells: 12.30 reads only with '.', 12 with both
            if "." in text:
                self.failures[","] += 1
            return
        for decimal in self.failures:
            # A third decimal place still reads (1.001 is a row error with '.', not 1001
            # with ',').
            if _number(text, decimal) is None:
                self.failures[decimal] += 1

    def result(self) -> str:
        """The separator that reads every cell (`.` when both do); else the one reading most."""
        return min(self.failures, key=lambda decimal: (self.failures[decimal], decimal != "."))


Record = Mapping[str, str] | Sequence[str] | None


def values_detect(
    records: Iterable[tuple[int, Record]],
    *,
    date_format: str = AUTO,
    decimal: str = AUTO,
    columns: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """What `auto` stands for in a file: `{"date_format": …, "decimal": …}`; an option that is
    not `auto` comes back as given. `records` are (line, record) pairs: a record is either
    {field: text} or, with `columns` ({field: index}), the row's cells; None records (lines
    that could not be read) are skipped. Raises AmbiguousDates."""
    dates = DateDetector() if date_format == AUTO else None
    amounts = DecimalDetector() if decimal == AUTO else None
    if dates or amounts:
        date_fields = [f for f in DATE_FIELDS if dates and (columns is None or f in columns)]
        amount_fields = [f for f in AMOUNT_FIELDS if amounts and (columns is None or f in columns)]
        for line, record in records:
            if record is None:
                continue
            if columns is None:
                texts = record.get  # type: ignore[union-attr]
            else:

                def texts(name: str, cells=record) -> str | None:
                    index = columns[name]
                    return cells[index] if index < len(cells) else None

            for name in date_fields:
                text = texts(name)
                if text:
                    dates.add(line, text)  # type: ignore[union-attr]
            for name in amount_fields:
                text = texts(name)
                if text:
                    amounts.add(text)  # type: ignore[union-attr]
    return {
        "date_format": (dates.result() or "iso") if dates else date_format,
        "decimal": amounts.result() if amounts else decimal,
    }
