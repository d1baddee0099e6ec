"""The European Central Bank's reference rate files, read into (currency, date, rate) rows.

Three shapes, all "units of the currency per one euro":
- `eurofxref-hist.csv`: a header `Date,USD,JPY,…,` (a trailing comma) and a row per day,
  newest first, ISO dates, `N/A` where a currency was not published;
- the daily `eurofxref.csv`: the same for one day, with a space after each comma and the
  date written out (`04 December 2026`);
- either of them inside a zip (`eurofxref-hist.zip`, `eurofxref.zip`).
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from budget.rates.values import rate_parse

# An unpacked file above this is not the ECB's (the full history is about 7 MB).
UNPACKED_LIMIT = 100 * 1024 * 1024

_CODE = re.compile(r"^[A-Z]{3}$")
_MISSING = {"", "N/A", "NA", "-"}
_MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WRITTEN = re.compile(r"^(\d{1,2}) ([A-Za-z]+) (\d{4})$")


class EcbFileError(ValueError):
    """The file is not a reference rate file we can read; the message says where and why."""


@dataclass(frozen=True)
class EcbRates:
    rows: list[tuple[str, date, Decimal]]
    currencies: list[str]
    first: date
    last: date


def ecb_parse(data: bytes) -> EcbRates:
    """Every published rate of the file (a CSV or a zip holding one); EcbFileError when
    anything in it is not what the ECB writes."""
    if data[:4] == b"PK\x03\x04":
        data = _unzipped(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EcbFileError("The file is not text (nor a zip holding a CSV).") from error
    lines = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = next(lines, None)
        currencies = _currencies(header)
        rows: list[tuple[str, date, Decimal]] = []
        days: set[date] = set()
        for cells in lines:
            line = lines.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            day = _day(cells[0], line)
            if day in days:
                raise EcbFileError(f"Line {line}: {day.isoformat()} appears twice.")
            days.add(day)
            values = cells[1:]
            while values and not values[-1]:
                values.pop()  # the trailing comma
            if len(values) > len(currencies):
                raise EcbFileError(
                    f"Line {line}: {len(values)} values, but the header names "
                    f"{len(currencies)} {'currency' if len(currencies) == 1 else 'currencies'}."
                )
            for currency, cell in zip(currencies, values, strict=False):
                if cell.upper() in _MISSING:
                    continue
                try:
                    rows.append((currency, day, rate_parse(cell)))
                except ValueError as error:
                    raise EcbFileError(f"Line {line}, {currency}: {cell!r}: {error}") from None
    except csv.Error as error:
        raise EcbFileError(f"Line {lines.line_num}: {error}") from error
    if not days:
        raise EcbFileError("The file has a header but no rates.")
    return EcbRates(rows=rows, currencies=currencies, first=min(days), last=max(days))


def _unzipped(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
        if len(members) != 1:
            raise EcbFileError("The zip should hold exactly one CSV file.")
        if members[0].file_size > UNPACKED_LIMIT:
            raise EcbFileError("The CSV in the zip is too large to be the ECB's.")
        with archive.open(members[0]) as member:
            unpacked = member.read(UNPACKED_LIMIT + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise EcbFileError(f"The zip cannot be read: {error}") from error
    if len(unpacked) > UNPACKED_LIMIT:
        raise EcbFileError("The CSV in the zip is too large to be the ECB's.")
    return unpacked


def _currencies(header: list[str] | None) -> list[str]:
    cells = [cell.strip() for cell in header or []]
    while cells and not cells[-1]:
        cells.pop()  # the trailing comma
    if not cells or cells[0].lower() != "date":
        raise EcbFileError('Line 1 should be the header "Date,USD,JPY,…".')
    currencies = cells[1:]
    if not currencies:
        raise EcbFileError("The header names no currency.")
    for code in currencies:
        if not _CODE.match(code):
            raise EcbFileError(f"Line 1: {code!r} is not a currency code.")
    if len(set(currencies)) != len(currencies):
        raise EcbFileError("Line 1 names a currency twice.")
    if "EUR" in currencies:
        raise EcbFileError("Line 1 names EUR: the rates are per euro.")
    return currencies


def _day(text: str, line: int) -> date:
    if _ISO.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    written = _WRITTEN.match(text)
    if written and written[2].lower() in _MONTHS:
        try:
            return date(int(written[3]), _MONTHS[written[2].lower()], int(written[1]))
        except ValueError:
            pass
    raise EcbFileError(f'Line {line}: {text!r} is not a date ("2026-12-04" or "04 December 2026").')
