"""Setup: what wallets, buckets and categories share: picking one, renaming, archiving and
deleting it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard import api, forms
from dashboard.api import ApiError, FieldError
from dashboard.formatting import literal
from dashboard.forms import FormErrors
from dashboard.views.common import Page, show_error


def pick(
    label: str,
    items: list[dict[str, Any]],
    key: str,
    show: Callable[[dict[str, Any]], str] | None = None,
) -> dict[str, Any]:
    """A box to choose one of ``items`` (archived ones say so); returns the chosen one."""
    by_id = {str(item["id"]): item for item in items}

    def text(item_id: str) -> str:
        item = by_id[item_id]
        name = show(item) if show else item["name"]
        return f"{name} — archived" if item["archived"] else name

    chosen = st.selectbox(label, list(by_id), format_func=text, key=key)
    return by_id[chosen]


def name_of(text: str) -> str:
    """A typed name, trimmed; FormErrors when there is none."""
    name = (text or "").strip()
    if not name:
        raise FormErrors([FieldError(field="name", message="Enter a name.")])
    return name


def rename(page: Page, item: dict[str, Any], path: str, noun: str) -> None:
    key = f"setup_rename_{item['id']}"
    with st.form(key, border=False):
        name = st.text_input("New name", value=item["name"], key=f"{key}_name")
        submitted = st.form_submit_button("Rename", key=f"{key}_submit")
    if not submitted:
        return
    try:
        new = name_of(name)
        if new == item["name"]:
            st.info("That is already its name.")
            return
        api.get_client().patch(path, json={"name": new})
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    page.written(f"Renamed the {noun} {item['name']} to {new}.")


def archive_or_delete(page: Page, item: dict[str, Any], path: str, noun: str) -> None:
    key = f"setup_{noun}_{item['id']}"
    if item["archived"]:
        st.caption(f"{literal(item['name'])} is archived: it is not offered for new transactions.")
        if st.button("Unarchive", key=f"{key}_unarchive"):
            _patch_archived(page, item, path, noun, archived=False)
    else:
        hint = "Archiving keeps it on past transactions but stops offering it for new ones."
        if noun in ("wallet", "bucket"):
            hint += " Only an empty one (balance 0.00) can be archived."
        st.caption(hint)
        if st.button("Archive", key=f"{key}_archive"):
            _patch_archived(page, item, path, noun, archived=True)

    st.caption(f"Deleting works only for a {noun} no transaction uses.")
    hint = (
        f"Archive it instead: the {noun} stays on its transactions but is no longer offered "
        "for new ones."
    )
    page.delete(key, noun, item["name"], path, f"Deleted the {noun} {item['name']}.", hint)


def _patch_archived(
    page: Page, item: dict[str, Any], path: str, noun: str, *, archived: bool
) -> None:
    try:
        api.get_client().patch(path, json={"archived": archived})
    except ApiError as error:
        show_error(error)
        return
    page.written(f"{'Archived' if archived else 'Unarchived'} the {noun} {item['name']}.")
