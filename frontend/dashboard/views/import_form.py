"""The import form's choices: how to read the file (or a saved import profile), the defaults
for rows without a wallet or category, and the column mapping of a CSV (views/imports.py is
the page flow around them)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard import api, data, forms
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.importing import (
    AMOUNT_WAY_LABELS,
    AMOUNT_WAYS,
    AUTO,
    DATE_FORMATS,
    DECIMALS,
    DELIMITERS,
    ENCODINGS,
    FORMATS,
    HEADER_AT_LINE,
    HEADER_LINE_CHOICES,
    MAPPED_FIELDS,
    PATTERN,
    SAME_NAME,
    Options,
    field_label,
    mapping_for,
    missing_columns,
    profile_label,
    profile_options,
    sniffed_format,
)


def read_options() -> Options:
    """How to read the file: every option detected by the server unless chosen here."""
    row = st.columns(3)
    kind = row[0].selectbox(
        "Format", list(FORMATS), format_func=FORMATS.__getitem__, key="imp_format"
    )
    encoding = row[1].selectbox(
        "Encoding", list(ENCODINGS), format_func=ENCODINGS.__getitem__, key="imp_encoding"
    )
    delimiter = row[2].selectbox(
        "Delimiter", list(DELIMITERS), format_func=DELIMITERS.__getitem__, key="imp_delimiter"
    )
    row = st.columns(3)
    date_format = row[0].selectbox(
        "Date format", list(DATE_FORMATS), format_func=DATE_FORMATS.__getitem__, key="imp_date"
    )
    if date_format == PATTERN:
        date_format = (
            row[1]
            .text_input(
                "Date pattern",
                placeholder="%d.%m.%Y %H:%M",
                max_chars=100,
                key="imp_date_pattern",
                help="strftime directives %d %m %y %Y %b %B %H %M %S %z %p %I with any other text.",
            )
            .strip()
            or AUTO
        )
    decimal = row[-1].selectbox(
        "Decimal separator", list(DECIMALS), format_func=DECIMALS.__getitem__, key="imp_decimal"
    )
    header_line = header_line_choose()
    negate = st.checkbox(
        "Charges are positive numbers in this file",
        key="imp_negate",
        help="Flips the sign of every amount: for card statements that list spending as 12.30.",
    )
    return Options(
        format=kind,
        encoding=encoding,
        delimiter=delimiter,
        date_format=date_format,
        decimal=decimal,
        negate=negate,
        header_line=header_line,
    )


def header_line_choose() -> str:
    """Where a CSV's column names are: detected, on a given line, or nowhere."""
    row = st.columns(3)
    where = row[0].selectbox(
        "Header line",
        list(HEADER_LINE_CHOICES),
        format_func=HEADER_LINE_CHOICES.__getitem__,
        key="imp_header",
        help="CSV files only. Detect: the first of the first 30 lines that names the columns "
        "needed (lines above it, such as an account number, are skipped). None: the file "
        "starts with data, and the mapping names columns by position.",
    )
    if where != HEADER_AT_LINE:
        return where
    line = row[1].number_input(
        "Line number", min_value=1, max_value=1_000_000, step=1, key="imp_header_number"
    )
    return str(int(line))


def file_format(chosen: str, head: bytes, job: Mapping[str, Any] | None) -> str:
    """The file's format: the one chosen, else what the server's check of this very file
    detected, else what its first bytes say (anything else is read as a CSV)."""
    if chosen != AUTO:
        return chosen
    detected = (job or {}).get("detected") or {}
    return detected.get("format") or sniffed_format(head) or "csv"


PROFILE_KEY = "imp_profile"
WALLET_KEY = "imp_wallet"


def profiles() -> list[dict[str, Any]]:
    """The ledger's import profiles."""
    # A server without import profiles (older than SPEC §11) leaves the picker out.
    with contextlib.suppress(ApiError):
        return data.get_all(data.ledger_path("/import-profiles"))
    return []


def profile_select(lists: Any) -> str | None:
    """The import profile to read the file with (its options replace the form's), or None."""
    saved = profiles()
    if not saved:
        return None
    wallets = {str(w["id"]): w["name"] for w in lists.active_wallets()}
    labels = {str(p["id"]): profile_label(p, wallets) for p in saved}
    chosen = st.selectbox(
        "Import profile",
        [None, *labels],
        format_func=lambda value: labels.get(value, "— none: choose the options below"),
        key=PROFILE_KEY,
        help="Saved options of a bank's file: date format, separators and the column mapping. "
        "Choosing a wallet below picks its default profile.",
    )
    if chosen is not None:
        options = next(p for p in saved if str(p["id"]) == chosen)["options"]
        shown = ", ".join(f"{field_label(k).lower()}: {v}" for k, v in options.items()) or "none"
        st.caption(f"The profile's options: {literal(shown)}. A default chosen below wins.")
    return chosen


def profile_save(options: Options) -> None:
    """Save the form's options under a name, as a profile to pick next time."""
    with st.popover("Save as profile", icon=":material/bookmark_add:"):
        name = st.text_input("Profile name", max_chars=100, key="imp_profile_name")
        default = False
        if options.wallet:
            default = st.checkbox(
                "The default profile of the chosen wallet", key="imp_profile_default"
            )
        if st.button("Save profile", disabled=not name.strip(), key="imp_profile_save"):
            body = {"name": name.strip(), "options": profile_options(options)}
            if default:
                body["wallet"] = options.wallet
            try:
                api.get_client().post(data.ledger_path("/import-profiles"), json=body)
            except ApiError as error:
                forms.show_form_error(error, field_label)
                return
            data.changed()
            st.success(f"Saved the profile {literal(name.strip())}.")


def default_select(
    column: Any, label: str, items: list[dict[str, Any]], key: str, **callback: Any
) -> str | None:
    """A default for rows without a value; ``callback`` is the selectbox's on_change/args."""
    names = {str(item["id"]): item["name"] for item in items}
    return column.selectbox(
        f"{label} for rows without one",
        [None, *names],
        format_func=lambda value: "—" if value is None else names[value],
        key=key,
        **callback,
    )


def wallet_default_profile(profiles: list[dict[str, Any]]) -> None:
    """When a wallet is chosen: its default import profile is picked (a callback of the
    wallet's box, so the profile's box shows it on the run that follows). A profile that was
    another wallet's default goes; one picked by hand for no wallet stays."""
    wallet = st.session_state.get(WALLET_KEY)
    default = next(
        (str(p["id"]) for p in profiles if wallet and str(p.get("wallet")) == wallet), None
    )
    if default is not None:
        st.session_state[PROFILE_KEY] = default
    elif st.session_state.get(PROFILE_KEY) in {str(p["id"]) for p in profiles if p.get("wallet")}:
        st.session_state[PROFILE_KEY] = None


def mapping_choose(
    header: list[str], *, wallet: bool, category: bool, samples: list[str] | None = None
) -> dict[str, str]:
    """The column mapping: a choice per field among the file's own column names (``#1`` …
    for a file without a header, ``samples`` being its first line's cells)."""
    if samples is not None:
        shown = ", ".join(f"#{n} {value}" for n, value in enumerate(samples, start=1))
        st.caption(
            "The file has no header: map its columns by position. Its first line: " + literal(shown)
        )
    else:
        st.caption(
            f"The file's columns (as far as its first lines tell): "
            f"{', '.join(f'`{name}`' for name in header)}."
            if header
            else "The file's first lines hold no column names."
        )
    way = st.radio(
        "Amounts",
        list(AMOUNT_WAYS),
        format_func=AMOUNT_WAY_LABELS.__getitem__,
        horizontal=True,
        key="imp_amounts",
        help="A bank's export mostly has no kind column: spending is written as -12.30, or in "
        "a debit column of its own.",
    )
    others = {field for w, fields in AMOUNT_WAYS.items() if w != way for field in fields}
    fields = [f for f in MAPPED_FIELDS if f not in others]
    folded = {name.casefold(): name for name in header}
    missing_now = missing_columns(
        header, {}, way=way, default_wallet=wallet, default_category=category
    )
    show = st.toggle(
        "Map the file's columns",
        value=bool(missing_now),
        key="imp_map",
        help="Needed when the file names its columns differently, e.g. Booking date for date.",
    )
    chosen: dict[str, str] = {}
    if show:
        grid = st.columns(4)
        for index, field in enumerate(fields):
            own = folded.get(field.casefold())

            def shown(value: str, own: str | None = own) -> str:
                if value != SAME_NAME:
                    return value
                return f"{own} (same name)" if own else "— not in the file"

            chosen[field] = grid[index % 4].selectbox(
                field_label(field),
                [SAME_NAME, *header],
                format_func=shown,
                key=f"imp_map_{field}",
            )
    mapping = mapping_for(header, chosen, way=way)
    missing = missing_columns(
        header, mapping, way=way, default_wallet=wallet, default_category=category
    )
    if header and missing:
        names = ", ".join(field_label(f).lower() for f in missing)
        st.warning(f"No column for: {names}. Map them above, or choose a default.")
    return mapping
