"""ISO 20022 CAMT documents: camt.052 (account report), camt.053 (statement), camt.054
(debit/credit notification), any version.

Read as a stream with defusedxml's `iterparse`: a DTD, entity declarations and external
references are refused before anything is expanded (an XML bomb or an XXE file is a 422, and
nothing is fetched), and each entry is dropped once read, so memory stays flat.

Each booked `Ntry` is a record: `BookgDt` → date, `Amt` with `CdtDbtInd` → signed amount
(`Ccy` → currency), the counterparty's name (`Cdtr` of a debit, `Dbtr` of a credit) → payee,
`RmtInf/Ustrd` → notes, `AcctSvcrRef` (else `NtryRef`) → external id. Entries whose `Sts`
is not `BOOK` (pending, information) are skipped and counted in `detected["skipped"]`. The
row of a record is the entry's 1-based position in the file.
"""

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from budget.exchange.csv_rows import FileProblem
from budget.exchange.sources import Record, Source, record_fields


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along `path` of local names (namespaces ignored)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _all(element: Element, name: str) -> Iterator[Element]:
    return (e for e in element.iter() if _local(e.tag) == name)


def _party_name(details: Element | None, role: str) -> str:
    """The counterparty's name: `RltdPties/Cdtr/Nm` (up to camt.05x.001.07) or
    `RltdPties/Cdtr/Pty/Nm` (later versions)."""
    return _text(details, "RltdPties", role, "Nm") or _text(details, "RltdPties", role, "Pty", "Nm")


def entry_fields(entry: Element) -> dict[str, str]:
    credit = _text(entry, "CdtDbtInd") == "CRDT"
    amount = _child(entry, "Amt")
    value = (amount.text or "").strip() if amount is not None else ""
    if value and not credit:
        value = "-" + value.lstrip("+")
    details = _child(entry, "NtryDtls", "TxDtls")
    notes = " ".join((u.text or "").strip() for u in _all(entry, "Ustrd") if (u.text or "").strip())
    fields = {
        "date": (_text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"))[:10],
        "signed_amount": value,
        "payee": _party_name(details, "Dbtr" if credit else "Cdtr"),
        "notes": notes,
        "external_id": _text(entry, "AcctSvcrRef")
        or _text(details, "Refs", "AcctSvcrRef")
        or _text(entry, "NtryRef"),
    }
    if amount is not None and amount.get("Ccy"):
        fields["currency"] = amount.get("Ccy")
    return fields


def _status(entry: Element) -> str:
    """`<Sts>BOOK</Sts>` up to version .001.07, `<Sts><Cd>BOOK</Cd></Sts>` later."""
    return _text(entry, "Sts") or _text(entry, "Sts", "Cd") or _text(entry, "Sts", "Prtry")


class CamtSource(Source):
    format = "camt"

    def records(self) -> Iterator[Record]:
        return self._counted(self._records())

    def _records(self) -> Iterator[Record]:
        self.binary.seek(0)
        self.detected["skipped"] = 0
        # The document's own declaration decides its encoding unless the option names one.
        named = self.options.encoding != "auto" and not self.encoding.startswith("utf-8")
        try:
            # The C TreeBuilder: defusedxml's own pure-Python one takes twice as long.
            parser = DefusedXMLParser(
                target=TreeBuilder(),
                encoding=self.encoding if named else None,
                forbid_dtd=True,
            )
        except (LookupError, ValueError) as error:  # pragma: no cover - expat knows most codecs
            raise FileProblem(
                f"An XML file cannot be read as {self.encoding}.", field="encoding"
            ) from error
        events = iterparse(self.binary, events=("end",), parser=parser)
        position = 0
        try:
            for _, element in events:
                if _local(element.tag) != "Ntry":
                    continue
                position += 1
                status = _status(element)
                if status.upper() != "BOOK":
                    self.detected["skipped"] += 1
                else:
                    yield Record(position, record_fields(entry_fields(element)))
                element.clear()
        except DefusedXmlException as error:
            raise FileProblem(
                "The CAMT file declares a DTD or entities, which bank statements never do "
                f"(it could be an XML bomb); it is refused ({type(error).__name__})."
            ) from error
        except ParseError as error:
            raise FileProblem(f"The CAMT file is not well-formed XML: {error}.") from error
        if position and position == self.detected["skipped"]:
            raise FileProblem(
                f"The CAMT file holds no booked entries ({position} entr"
                f"{'ies are' if position > 1 else 'y is'} not booked yet)."
            )
