"""CSV files (SPEC §9, §11): the delimiter sniffed, the header line found below any preamble,
the columns of the mapping (by name or `#N`) read into records, line by line.

Row numbers are physical line numbers: preamble lines count, and a row whose quoted cell spans
lines is numbered by the line where it starts. When a mapping is given, only the columns it
names are read.
"""

import csv
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from budget.exchange.csv_rows import (
    AMOUNT_WAYS,
    DEFAULT_COLUMNS,
    FIELDS,
    OTHER_WAYS,
    FileProblem,
    Options,
    amount_way,
    csv_cell_text,
)
from budget.exchange.sources import (
    HEADER_SEARCH_LINES,
    MAX_LINE_BYTES,
    Lines,
    Record,
    Source,
    record_fields,
)

DELIMITER_CANDIDATES = (",", ";", "\t", "|")
_QUOTED = re.compile(r'"[^"]*"')


def delimiter_of(option: str | None) -> str | None:
    """The delimiter an option names (`tab` for a tab); None for `auto`."""
    if not option or option == "auto":
        return None
    return "\t" if option == "tab" else option


def guess_delimiter(lines: list[str]) -> str:
    """The delimiter that splits most of the first lines into the same number of cells
    (preamble lines disagree, table lines agree); `,` `;` tab `|` in that order on a tie."""
    best, best_score = ",", (0, 0)
    records = _records(lines)
    for delimiter in DELIMITER_CANDIDATES:
        counts = Counter(_QUOTED.sub("", record).count(delimiter) for record in records)
        counts.pop(0, None)
        # The most lines that agree on one width; of equals, the wider table.
        score = max(((agreeing, width) for width, agreeing in counts.items()), default=(0, 0))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(lines: list[str]) -> list[str]:
    """The lines joined where a quoted cell spans them (an odd number of quotes so far), so a
    cell with line breaks, as our own export writes notes and tags, counts as one record."""
    records: list[str] = []
    pending = ""
    for line in lines:
        pending = f"{pending}\n{line}" if pending else line
        if pending.count('"') % 2 == 0:
            records.append(pending)
            pending = ""
    if pending:
        records.append(pending)
    return records


def _position(column: str) -> int | None:
    """`#3` → index 2; None for a column named by its header."""
    match = re.fullmatch(r"\s*#\s*([0-9]{1,4})\s*", column)
    return int(match.group(1)) - 1 if match and int(match.group(1)) >= 1 else None


def _key(name: str) -> str:
    return name.strip().casefold()


def needed_fields(options: Options) -> list[str]:
    """The fields every CSV row needs a column for, given the defaults the import has."""
    needed = ["date", *AMOUNT_WAYS[amount_way(options.mapping)]]
    if "payee" not in options.mapping:
        needed.append("description")
    if not (options.income_category or options.expense_category):
        needed.append("category")
    if not options.wallet:
        needed.append("wallet")
    return needed


def columns_resolve(header: list[str] | None, options: Options) -> dict[str, int]:
    """Which cell holds which field: {field: index}. With a mapping, only the columns it
    names (by header name or `#N`); without one, every column named like one of our fields.
    Raises FileProblem naming the required columns that are missing."""
    header = header or []
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(_key(name), []).append(index)
    shown = ", ".join(name.strip() for name in header[:30] if name.strip())
    if options.mapping:
        wanted = dict(options.mapping)
    else:
        # Only the columns of the one way of giving amounts (a kind column and magnitudes,
        # by default): a file's `debit` column means nothing then.
        other_ways = OTHER_WAYS[amount_way(options.mapping)]
        wanted = {our: our for our in FIELDS if _key(our) in positions and our not in other_ways}
    columns: dict[str, int] = {}
    for our, theirs in wanted.items():
        index = _position(theirs)
        if index is not None:
            columns[our] = index
            continue
        if _key(theirs) not in positions:
            raise FileProblem(
                f"The mapping names the column '{theirs}' for {our}, but the file has no such "
                f"column. Its columns are: {shown}.",
                field="mapping",
            )
        found = positions[_key(theirs)]
        if len(found) > 1:
            raise FileProblem(
                f"The column '{theirs.strip()}' appears {len(found)} times in the header; "
                "rename the extra ones or map it by position (#N).",
            )
        columns[our] = found[0]
    missing = [name for name in needed_fields(options) if name not in columns]
    if missing:
        hints = []
        if "category" in missing:
            hints.append("a default income_category / expense_category")
        if "wallet" in missing:
            hints.append("a default wallet")
        hint = f", or give {' and '.join(hints)}" if hints else ""
        raise FileProblem(
            f"The file lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. Its columns are: {shown}. Name them in the header or map "
            f"them with `mapping`{hint}."
        )
    return columns


def _holds_every_column(cells: list[str], options: Options) -> bool:
    names = {_key(cell) for cell in cells}
    if options.mapping:
        wanted = [c for c in options.mapping.values() if _position(c) is None]
        return bool(wanted) and all(_key(c) in names for c in wanted)
    return all(_key(name) in names for name in needed_fields(options))


class CsvSource(Source):
    format = "csv"

    def __init__(self, binary, *, encoding, options, max_rows):
        super().__init__(binary, encoding=encoding, options=options, max_rows=max_rows)
        self.lines = Lines(binary, encoding)
        first_lines = []
        for line in self.lines:
            if line.strip():
                first_lines.append(line)
            if len(first_lines) >= HEADER_SEARCH_LINES:
                break
        if not first_lines and not self.lines.long_lines:
            raise FileProblem(
                "The file is empty." if self.lines.count == 0 else "The file has no header line."
            )
        self.delimiter = options.delimiter or guess_delimiter(first_lines)
        self.detected["delimiter"] = self.delimiter
        self.header_line, self.header, self.columns = self._header()
        self.detected["header_line"] = self.header_line
        if options.negate and "kind" in self.columns:
            raise FileProblem(
                "negate flips signed amounts (map signed_amount, or debit and credit); this file "
                "gives a kind and an amount.",
                field="negate",
            )

    def _rows(self) -> Iterator[tuple[int, list[str] | None]]:
        """(line where the row starts, cells); cells None for a row that cannot be read.
        Blank lines are skipped."""
        reader = csv.reader(iter(self.lines), delimiter=self.delimiter, strict=False)
        previous_end = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                cells = None
            line = previous_end + 1
            previous_end = reader.line_num
            if line in self.lines.long_lines:
                cells = None
            elif cells is not None and not any(cell.strip() for cell in cells):
                continue
            yield line, cells

    def _header(self) -> tuple[int | None, list[str] | None, dict[str, int]]:
        options = self.options
        mapping = options.mapping
        by_position = mapping and all(_position(c) is not None for c in mapping.values())
        if options.header_line == "none" or (options.header_line == "auto" and by_position):
            if mapping and not by_position:
                raise FileProblem(
                    'Without a header line the mapping names columns by position ("#3").',
                    field="mapping",
                )
            if not mapping:
                columns = {
                    name: i for i, name in enumerate((*DEFAULT_COLUMNS, "bucket", "notes", "tags"))
                }
                return None, None, columns
            return None, None, columns_resolve(None, options)
        if options.header_line != "auto":
            return self._header_at(options.header_line)
        first: list[tuple[int, list[str] | None]] = []
        for line, cells in self._rows():
            if cells is not None and _holds_every_column(cells, options):
                return line, cells, columns_resolve(cells, options)
            first.append((line, cells))
            if len(first) >= HEADER_SEARCH_LINES:
                break
        raise FileProblem(self._no_header(first), field="mapping" if options.mapping else "file")

    def _header_at(self, number: int) -> tuple[int, list[str], dict[str, int]]:
        """The header on the line `header_line` names."""
        for line, cells in self._rows():
            if line < number:
                continue
            if line > number or cells is None:
                break
            return line, cells, columns_resolve(cells, self.options)
        raise FileProblem(
            f"Line {number} of the file holds no header: the file is shorter, or the line is "
            "blank or inside another row.",
            field="header_line",
        )

    def _no_header(self, first: list[tuple[int, list[str] | None]]) -> str:
        options = self.options
        if options.mapping:
            wanted = [c for c in options.mapping.values() if _position(c) is None]
            what = f"the columns the mapping names ({', '.join(wanted)})"
        else:
            what = f"the columns {', '.join(needed_fields(self.options))}"
        best = max(
            (cells for _, cells in first if cells),
            key=lambda cells: len({_key(c) for c in cells} & set(map(_key, self._wanted()))),
            default=None,
        )
        lacking = ""
        if best is not None and not options.mapping:
            names = {_key(c) for c in best}
            lacks = [n for n in needed_fields(options) if n not in names]
            if len(lacks) < len(needed_fields(options)):
                hints = []
                if "category" in lacks:
                    hints.append("a default income_category / expense_category")
                if "wallet" in lacks:
                    hints.append("a default wallet")
                hint = f", or give {' and '.join(hints)}" if hints else ""
                lacking = (
                    f" The closest line lacks {', '.join(lacks)}; name them in the header or "
                    f"map them with `mapping`{hint}."
                )
        shown = "; ".join(
            f"line {line}: "
            + (" | ".join(c.strip() for c in cells[:8]) if cells else "(unreadable)")
            for line, cells in first[:5]
        )
        return (
            f"No header line among the first {HEADER_SEARCH_LINES} lines holds {what}.{lacking} "
            f"The file begins: {shown}. Add a header line, map the file's columns with "
            "`mapping`, or set `header_line`."
        )

    def _wanted(self) -> list[str]:
        if self.options.mapping:
            return [c for c in self.options.mapping.values() if _position(c) is None]
        return needed_fields(self.options)

    def records(self) -> Iterator[Record]:
        return self._counted(self._records())

    def value_cells(self) -> tuple[Iterator[tuple[int, Any]], dict[str, int]]:
        """The rows' cells as read (None for a row with an error), counted as `records`
        counts: the first pass over the dates and amounts builds no record per row."""
        return self._counted((line, cells) for line, cells, _ in self._cells()), self.columns

    def _cells(self) -> Iterator[tuple[int, list[str] | None, dict[str, str] | None]]:
        """(line, cells, None) for each row after the header, (line, None, error) for one
        that cannot be read or has another number of cells."""
        width = len(self.header) if self.header is not None else None
        reach = max(self.columns.values(), default=-1) + 1
        for line, cells in self._rows():
            if self.header_line is not None and line <= self.header_line:
                continue
            if cells is None:
                yield (
                    line,
                    None,
                    {
                        "field": "row",
                        "message": f"The line is longer than {MAX_LINE_BYTES // 1024} KiB, "
                        "or a quoted cell in it never ends.",
                    },
                )
                continue
            if width is not None:
                if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
                    cells = cells[:width]  # a trailing delimiter
                if len(cells) != width:
                    yield line, None, _width_error(len(cells), width)
                    continue
            elif len(cells) < reach:
                yield (
                    line,
                    None,
                    {
                        "field": "row",
                        "message": f"This row has {len(cells)} cells but the mapping reads "
                        f"column #{reach}.",
                    },
                )
                continue
            yield line, cells, None

    def _records(self) -> Iterator[Record]:
        for line, cells, error in self._cells():
            if cells is None:
                yield Record(line, {}, [error])
                continue
            # A cell that does not start with a quote is only trimmed (csv_cell_text), without
            # a call per cell: 2.6 million in a file of 100 000 rows.
            fields = {
                name: cell.strip() if cell[:1] != "'" else csv_cell_text(name, cell)
                for name, index in self.columns.items()
                if (cell := cells[index]) is not None
            }
            yield Record(line, record_fields(fields))


def _width_error(count: int, width: int) -> dict[str, str]:
    return {
        "field": "row",
        "message": f"This row has {count} cells but the header has {width}; quote values that "
        "contain the delimiter, and close every quote.",
    }
