"""The one rule for CSV text cells a spreadsheet would run as a formula (SPEC §19).

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or
becomes one) when a spreadsheet opens the file: `=HYPERLINK(…)` in a description would be a
link the reader never wrote. The export writes such a cell with a `'` in front, which
spreadsheets show as text and do not display. Amounts are numbers, written plain: only text
cells go through `csv_cell_neutralise`.

The import reads a prefixed cell back with `csv_cell_restore`, so export → import keeps every
text exactly. For that the rule also prefixes a text that starts with quotes followed by such
a character (`'=SUM(1)` → `''=SUM(1)`): the reader strips one quote only when what follows
would itself have been prefixed, so a text that genuinely starts with `'` is never cut, and a
spreadsheet still shows `'=SUM(1)` as it was written.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def csv_cell_needs_quote(text: str) -> bool:
    """Whether the export writes `text` with a quote in front: it starts (after any quotes)
    with a character that makes a spreadsheet cell a formula."""
    return text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def csv_cell_neutralise(text: str) -> str:
    """A text cell as the export writes it."""
    return QUOTE + text if csv_cell_needs_quote(text) else text


def csv_cell_restore(cell: str) -> str:
    """A cell as the export's text: the inverse of `csv_cell_neutralise` (one quote off a
    cell the export would have written that way; any other cell as it is)."""
    if cell.startswith(QUOTE) and csv_cell_needs_quote(cell[1:]):
        return cell[1:]
    return cell
