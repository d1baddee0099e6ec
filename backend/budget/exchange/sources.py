"""What an uploaded bank file holds, as records (SPEC §11): the file → records layer.

`source_open` looks at the bytes (never the file name), refuses what is no bank export at all
(a PDF, a workbook, an image…), picks the format (CSV, OFX, QIF, CAMT) and the text encoding,
and answers a `Source`: `detected` (format, encoding, delimiter, header_line) and `records()`,
the transactions as `Record(row, fields)` where `fields` maps our field names (`date`,
`signed_amount`, `description`, `payee`, `notes`, `category`, `external_id`, `currency`, …) to
the text the file holds. Turning that text into values (dates, amounts, names into ids) is the
`RowParser`'s work, the same for every format. Each format is a module of
`budget.exchange.formats` (csv, ofx, qif, camt); what they share (detection, encodings, the
lines of a text file) is here.

`records()` can be iterated more than once (each time from the start of the file), so a
reader that must see every date before choosing a format can make a pass first.

Payees (§12) do not exist yet: a record whose format has a payee but no description of its
own gets the payee as its description, and keeps `payee` for §12 to use.
"""

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from budget.exchange.csv_rows import FileProblem, Options

FORMATS = ("auto", "csv", "ofx", "qif", "camt")
STRUCTURED = ("ofx", "qif", "camt")
HEAD_BYTES = 64 * 1024  # what the format and the encoding are told from
HEADER_SEARCH_LINES = 30
DETECTOR_BYTES = 4 * 1024 * 1024  # what the encoding detector reads at most
BANK_EXPORT = "Download the CSV, OFX, QIF or CAMT export of your bank and upload that."


@dataclass
class Record:
    row: int  # CSV: line in the file; OFX/CAMT: position of the transaction; QIF: first line
    fields: dict[str, str]
    errors: list[dict[str, str]] = field(default_factory=list)  # the record cannot be read


class Source:
    """A file opened for reading: what was detected, and its records."""

    format = "csv"

    def __init__(self, binary: IO[bytes], *, encoding: str, options: Options, max_rows: int):
        self.binary = binary
        self.encoding = encoding
        self.options = options
        self.max_rows = max_rows
        self.detected: dict[str, Any] = {
            "format": self.format,
            "encoding": "utf-8" if encoding == "utf-8-sig" else encoding,
            "delimiter": None,
            "header_line": None,
        }

    def records(self) -> Iterator[Record]:  # pragma: no cover - every format has its own
        raise NotImplementedError

    def value_cells(self) -> tuple[Iterator[tuple[int, Any]], dict[str, int] | None]:
        """For `values_detect`'s first pass over the dates and amounts: (row, fields or None
        for a record with an error) and None, or a format's cheaper (row, cells or None) and
        the columns of the fields in the cells."""
        return ((r.row, None if r.errors else r.fields) for r in self.records()), None

    def _counted(self, records: Iterator[Record]) -> Iterator[Record]:
        count = 0
        for record in records:
            count += 1
            if count > self.max_rows:
                raise FileProblem(
                    f"The file has more than {self.max_rows} rows; split it into smaller files.",
                    too_large=True,
                )
            yield record
        if count == 0 and self.format in STRUCTURED:
            raise FileProblem(f"The {self.format.upper()} file holds no transactions.")


def record_fields(fields: dict[str, str]) -> dict[str, str]:
    """A record's fields, the payee standing in for a missing description (until §12)."""
    if not fields.get("description") and fields.get("payee"):
        fields["description"] = fields["payee"]
    return fields


# --- What the file is -------------------------------------------------------------------------

_MAGIC = (
    (b"%PDF", "This is a PDF, not a bank export."),
    (
        b"\xd0\xcf\x11\xe0",
        "This is an Excel 97-2003 workbook (or another Office file), not a "
        "bank export; save it as CSV.",
    ),
    (b"\x89PNG", "This is a PNG image, not a bank export."),
    (b"\xff\xd8\xff", "This is a JPEG image, not a bank export."),
    (b"GIF8", "This is a GIF image, not a bank export."),
    (b"II*\x00", "This is a TIFF image, not a bank export."),
    (b"MM\x00*", "This is a TIFF image, not a bank export."),
    (b"\x1f\x8b", "This is a gzip archive, not a bank export; unpack it first."),
    (b"Rar!", "This is a RAR archive, not a bank export; unpack it first."),
    (b"7z\xbc\xaf", "This is a 7-Zip archive, not a bank export; unpack it first."),
)
_CAMT = re.compile(
    rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]|<(?:\w+:)?BkToCstmr(?:Stmt|AcctRpt|DbtCdtNtfctn)\b"
)
_OFX = re.compile(rb"^\s*OFXHEADER\s*:|<OFX>|<\?OFX\b", re.IGNORECASE)
_QIF = re.compile(rb"^\s*!(?:Type|Account|Option|Clear)\b", re.IGNORECASE)
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+html|html|head|body)\b", re.I | re.S)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _not_an_export(head: bytes) -> str | None:
    """What a file that is no bank export looks like, or None."""
    for magic, message in _MAGIC:
        if head.startswith(magic):
            return f"{message} {BANK_EXPORT}"
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head or b"[Content_Types].xml" in head:
            return (
                "This is an Excel workbook (xlsx), not a bank export; save it as CSV. "
                + BANK_EXPORT
            )
        if b"word/" in head:
            return f"This is a Word document, not a bank export. {BANK_EXPORT}"
        if b"opendocument" in head:
            return f"This is an OpenDocument file, not a bank export; save it as CSV. {BANK_EXPORT}"
        return "This is a ZIP archive, not a bank export; unpack it and upload the file inside."
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1") or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return f"This is an image, not a bank export. {BANK_EXPORT}"
    return None


def _format_of(text_head: bytes) -> str:
    """The format by content (SPEC §11): OFX, QIF, CAMT, else CSV. `text_head` is ASCII-
    compatible (a UTF-16 file's head is re-encoded first)."""
    if _OFX.search(text_head[:4096]):
        return "ofx"
    if _QIF.match(text_head):
        return "qif"
    if _CAMT.search(text_head):
        return "camt"
    if _HTML.match(text_head):
        raise FileProblem(f"This is a web page (HTML), not a bank export. {BANK_EXPORT}")
    if text_head.lstrip().startswith(b"<?xml"):
        raise FileProblem(
            "This is an XML file, but neither an OFX statement nor an ISO 20022 CAMT "
            f"(camt.052, camt.053, camt.054) document. {BANK_EXPORT}"
        )
    return "csv"


# --- The encoding -----------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([\w.:-]+)[\"']")
_OFX_CHARSET = re.compile(rb"^\s*CHARSET\s*:\s*([\w-]+)", re.MULTILINE)
_OFX_ENCODING = re.compile(rb"^\s*ENCODING\s*:\s*([\w-]+)", re.MULTILINE)
# OFX 1.x names its character set its own way.
_OFX_CHARSETS = {"1252": "cp1252", "ISO-8859-1": "latin-1", "8859-1": "latin-1", "1250": "cp1250"}


def codec_name(name: str) -> str | None:
    """Python's name of a codec, or None when there is no such codec (or it is no text)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _bom(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _declared(head: bytes) -> str | None:
    """The encoding an OFX header or an XML declaration names."""
    match = _XML_DECLARED.match(head)
    if match:
        return codec_name(match.group(1).decode("ascii"))
    if _OFX.search(head[:4096]):
        encoding = _OFX_ENCODING.search(head[:4096])
        if encoding and encoding.group(1).upper() in (b"UTF-8", b"UTF8"):
            return "utf-8"
        charset = _OFX_CHARSET.search(head[:4096])
        if charset:
            name = charset.group(1).decode("ascii").upper()
            return _OFX_CHARSETS.get(name) or (codec_name(name) if name != "NONE" else None)
    return None


def _is_utf8(binary: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    binary.seek(0)
    try:
        while chunk := binary.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        binary.seek(0)
    return True


def encoding_detect(binary: IO[bytes], head: bytes) -> str:
    """SPEC §11 `encoding: auto`: a BOM decides; else the declaration inside an OFX/XML file;
    else UTF-8 when every byte reads as UTF-8; else charset-normalizer picks the codec."""
    found = _bom(head) or _declared(head)
    if found:
        return found
    if _is_utf8(binary):
        return "utf-8"
    from charset_normalizer import from_bytes  # imported when needed: it loads tables

    matches = list(from_bytes(binary.read(DETECTOR_BYTES)))
    binary.seek(0)
    if not matches or codec_name(matches[0].encoding) is None:
        raise FileProblem(
            "The text encoding of the file cannot be recognised; name it with the option "
            "`encoding` (e.g. cp1252, latin-1, utf-16).",
            field="encoding",
        )
    return codec_name(_preferred(matches))


def _preferred(matches) -> str:
    """The detector's pick, but cp1252 when it reads the text just as well: on a short
    sample cp1250 and cp1252 often tie, and cp1252 (the codec spreadsheets save CSV files
    in across Western Europe and the Americas) is then far likelier; `è` must not become
    `č`."""
    best = matches[0]
    for match in matches:
        if (match.chaos, match.coherence) != (best.chaos, best.coherence):
            break
        if "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return best.encoding


def _ascii_compatible(encoding: str) -> bool:
    return "a\n,;".encode(encoding, "ignore") == b"a\n,;" and not encoding.startswith(
        ("utf-16", "utf-32", "utf_16", "utf_32")
    )


def _shown(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8"}.get(encoding, encoding)


# --- Opening ----------------------------------------------------------------------------------


def source_open(binary: IO[bytes], *, options: Options, max_rows: int) -> Source:
    """The file's source (see the module); FileProblem when it is no bank export, or in a
    format or an encoding that cannot be read."""
    binary.seek(0)
    head = binary.read(HEAD_BYTES)
    binary.seek(0)
    if not head:
        raise FileProblem("The file is empty.")
    refused = _not_an_export(head)
    if refused:
        raise FileProblem(refused)
    if options.encoding == "auto":
        if not _bom(head) and len(_CONTROL.findall(head[:8192])) > max(8, len(head[:8192]) // 20):
            raise FileProblem(
                f"This is a binary file, not a bank export (CSV, OFX, QIF or CAMT). {BANK_EXPORT}"
            )
        encoding = encoding_detect(binary, head)
    else:
        encoding = codec_name(options.encoding)
        if encoding is None:  # pragma: no cover - the form checks the name first
            raise FileProblem(f"Unknown encoding '{options.encoding}'.", field="encoding")
        if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
    # The head in an ASCII-compatible form, to tell the format from.
    if _ascii_compatible(encoding):
        text_head = head
    else:
        text_head = head.decode(encoding, "ignore").encode("utf-8", "ignore")
        if text_head.startswith(codecs.BOM_UTF8):
            text_head = text_head[len(codecs.BOM_UTF8) :]
    if text_head.startswith(codecs.BOM_UTF8):
        text_head = text_head[len(codecs.BOM_UTF8) :]
    fmt = options.format if options.format != "auto" else None
    if fmt is None:
        fmt = _format_of(text_head)
    from budget.exchange.formats import camt, csv, ofx, qif

    kind = {
        "csv": csv.CsvSource,
        "ofx": ofx.OfxSource,
        "qif": qif.QifSource,
        "camt": camt.CamtSource,
    }
    return kind[fmt](binary, encoding=encoding, options=options, max_rows=max_rows)


# --- Lines of text ----------------------------------------------------------------------------

MAX_LINE_BYTES = 64 * 1024  # a valid row is a few kilobytes at most


class Lines:
    """The text lines of the file, from its start, never more than one line in memory.

    ASCII-compatible encodings are read line by line as bytes and decoded strictly, so a
    byte that does not belong is named with its line and position; UTF-16/32 through a text
    wrapper. A line longer than MAX_LINE_BYTES is not kept: an empty line stands in its
    place and its number goes to `long_lines`."""

    def __init__(self, binary: IO[bytes], encoding: str) -> None:
        self.binary = binary
        self.encoding = encoding
        self.long_lines: set[int] = set()
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        self.binary.seek(0)
        self.count = 0
        if _ascii_compatible(self.encoding):
            yield from self._byte_lines()
        else:
            yield from self._wide_lines()

    def _byte_lines(self) -> Iterator[str]:
        offset = 0
        decoder = self.encoding if self.encoding != "utf-8-sig" else "utf-8"
        while True:
            raw = self.binary.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.count += 1
            number, start = self.count, offset
            offset += len(raw)
            if number == 1:
                if raw.startswith(codecs.BOM_UTF8) and decoder == "utf-8":
                    raw, start = raw[len(codecs.BOM_UTF8) :], start + len(codecs.BOM_UTF8)
                if b"\r" in raw.rstrip(b"\r\n"):
                    raise FileProblem(
                        "The lines of the file end with a carriage return only (an old Mac "
                        'format); save it as "CSV UTF-8" and upload it again.'
                    )
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                offset += self._skip_rest_of_line()
                self.long_lines.add(number)
                yield "\n"
                continue
            if b"\x00" in raw:
                if number == 1 and (_bom(raw) or "").startswith("utf-16"):
                    raise FileProblem(
                        f"The file is UTF-16 text, not {_shown(self.encoding)}; set the option "
                        "`encoding` to utf-16 or auto."
                    )
                position = start + raw.index(b"\x00") + 1
                raise FileProblem(
                    f"The file is not a CSV text file: line {number} contains a NUL byte "
                    f"(byte {position} of the file)."
                )
            try:
                yield raw.decode(decoder)
            except UnicodeDecodeError as error:
                raise FileProblem(
                    f"The file is not {_shown(self.encoding)} text: line {number}, byte "
                    f"{error.start + 1} of the line (byte {start + error.start + 1} of the "
                    f"file, 0x{raw[error.start]:02X}) cannot be decoded. Name the file's "
                    "encoding with the option `encoding`, or save it as UTF-8 and upload it "
                    "again."
                ) from error

    def _skip_rest_of_line(self) -> int:
        skipped = 0
        while True:
            raw = self.binary.readline(MAX_LINE_BYTES)
            skipped += len(raw)
            if not raw or raw.endswith(b"\n"):
                return skipped

    def _wide_lines(self) -> Iterator[str]:
        text = io.TextIOWrapper(self.binary, encoding=self.encoding, newline="")
        try:
            while True:
                try:
                    line = text.readline(MAX_LINE_BYTES + 1)
                except UnicodeDecodeError as error:
                    raise FileProblem(
                        f"The file is not {_shown(self.encoding)} text: line {self.count + 1} "
                        "cannot be decoded. Name the file's encoding with the option `encoding`."
                    ) from error
                if not line:
                    return
                self.count += 1
                if len(line) > MAX_LINE_BYTES and not line.endswith("\n"):
                    while (rest := text.readline(MAX_LINE_BYTES)) and not rest.endswith("\n"):
                        pass
                    self.long_lines.add(self.count)
                    yield "\n"
                    continue
                if self.count == 1:
                    line = line.removeprefix("\ufeff")
                if "\x00" in line:
                    raise FileProblem(
                        f"The file is not a CSV text file: line {self.count} contains a NUL "
                        "character."
                    )
                yield line
        finally:
            text.detach()  # the upload stays open for another pass
