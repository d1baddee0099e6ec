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
    )


def file_format(chosen: str, head: bytes, job: Mapping[str, Any] | None) -> str:
    """The file's format: the one chosen, else what the server's check of this very file
    detected, else what its first bytes say (anything else is read as a CSV)."""
    if chosen != AUTO:
        return chosen
    detected = (job or {}).get("detected") or {}
    return detected.get("format") or sniffed_format(head) or "csv"


def _profiles() -> list[dict[str, Any]]:
    # A server without import profiles (older than SPEC §11) leaves the picker out.
    with contextlib.suppress(ApiError):
        return data.get_all(data.ledger_path("/import-profiles"))
    return []


def profile_select(lists: Any) -> str | None:
    """The import profile to read the file with (its options replace the form's), or None."""
    profiles = _profiles()
    if not profiles:
        return None
    wallets = {str(w["id"]): w["name"] for w in lists.active_wallets()}
    labels = {str(p["id"]): profile_label(p, wallets) for p in profiles}
    chosen = st.selectbox(
        "Import profile",
        [None, *labels],
        format_func=lambda value: labels.get(value, "— none: choose the options below"),
        key="imp_profile",
        help="Saved options of a bank's file: date format, separators and the column mapping.",
    )
    if chosen is not None:
        options = next(p for p in profiles if str(p["id"]) == chosen)["options"]
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


def default_select(column: Any, label: str, items: list[dict[str, Any]], key: str) -> str | None:
    names = {str(item["id"]): item["name"] for item in items}
    return column.selectbox(
        f"{label} for rows without one",
        [None, *names],
        format_func=lambda value: "—" if value is None else names[value],
        key=key,
    )


def mapping_choose(header: list[str], *, wallet: bool, category: bool) -> dict[str, str]:
    """The column mapping: a choice per field among the file's own column names."""
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
