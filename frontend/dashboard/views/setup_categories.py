"""Setup → Categories: income, expense and neutral categories; add one; rename, archive or
delete one."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import api, data, forms, labels
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.forms import FormErrors
from dashboard.views import setup_items
from dashboard.views.common import Page, add_and_change, show_error


def section(page: Page, can_write: bool) -> None:
    """The Categories tab."""
    try:
        categories = data.categories()
    except ApiError as error:
        show_error(error)
        return
    active = [c for c in categories if not c["archived"]]
    show_archived = False
    if len(active) < len(categories):
        show_archived = st.toggle("Show archived categories", key="setup_categories_archived")
    shown = categories if show_archived else active
    if not shown:
        st.info(
            "No categories yet. Add what money comes from (Salary) and goes to (Groceries, "
            "Rent); neutral ones label transfers."
        )
    try:
        bucket_names = {str(b["id"]): b["name"] for b in data.buckets()}
    except ApiError:
        bucket_names = {}  # the list reads without them
    columns = st.columns(3)
    for column, (type_, label) in zip(columns, labels.CATEGORY_TYPES.items(), strict=True):
        with column:
            st.markdown(f"**{label}**")
            names = sorted(
                (_category_name(c, bucket_names) for c in shown if c["type"] == type_),
                key=str.lower,
            )
            st.markdown("\n".join(f"- {name}" for name in names) if names else "*None yet*")
    if not can_write:
        return

    def change() -> None:
        category = setup_items.pick(
            "Category",
            sorted(categories, key=lambda c: (c["type"], c["name"].lower())),
            "setup_category_pick",
            lambda c: f"{c['name']} ({labels.CATEGORY_TYPES.get(c['type'], c['type']).lower()})",
        )
        path = data.ledger_path(f"/categories/{category['id']}")
        rename, group, bucket, remove = st.tabs(
            ["Rename", "Group", "Default bucket", "Archive or delete"],
            key="setup_category_actions",
            on_change="rerun",
        )
        with rename:
            setup_items.rename(page, category, path, "category")
        with group:
            _group_edit(page, category, path)
        with bucket:
            _default_bucket_edit(page, category, path)
        with remove:
            setup_items.archive_or_delete(page, category, path, "category")

    add_and_change(
        "Add a category",
        lambda: _category_add(page),
        "Change a category",
        change,
        nothing_to_change=None
        if categories
        else "Categories you add can be renamed, archived or deleted here.",
    )


def _category_name(category: dict[str, Any], buckets: dict[str, str]) -> str:
    group = f" · {literal(category['group'])}" if category.get("group") else ""
    bucket = buckets.get(str(category.get("default_bucket") or ""))
    into = f" → {literal(bucket)}" if bucket else ""
    archived = " *(archived)*" if category["archived"] else ""
    return literal(category["name"]) + group + into + archived


GROUP_HELP = (
    'A short name shared by several categories, such as "Fixed costs": reports and budgets '
    "show a subtotal per group. Leave it empty for no group."
)


def _group_edit(page: Page, category: dict[str, Any], path: str) -> None:
    key = f"setup_category_group_{category['id']}"
    with st.form(key, border=False):
        group = st.text_input(
            "Group",
            value=category.get("group") or "",
            max_chars=50,
            placeholder="Fixed costs",
            help=GROUP_HELP,
            key=f"{key}_name",
        )
        submitted = st.form_submit_button("Save group", key=f"{key}_submit")
    if not submitted:
        return
    new = group.strip() or None
    if new == (category.get("group") or None):
        st.info("Nothing changed.")
        return
    try:
        api.get_client().patch(path, json={"group": new})
    except ApiError as error:
        forms.show_form_error(error)
        return
    if new:
        page.written(f"{category['name']} is now in the group {new}.")
    else:
        page.written(f"{category['name']} is in no group now.")


DEFAULT_BUCKET_HELP = (
    "Where an expense of this category goes when it names no bucket: quick-add, the "
    "form, imports, recurring transactions and the API all use it. None: Unallocated."
)


def _default_bucket_edit(page: Page, category: dict[str, Any], path: str) -> None:
    if category["type"] != "expense":
        st.caption("Only expense categories have a default bucket.")
        return
    try:
        buckets = data.buckets()
    except ApiError as error:
        show_error(error)
        return
    names = {str(b["id"]): b["name"] for b in buckets}
    current = str(category.get("default_bucket") or "")  # "": none
    options = [
        "",
        *(str(b["id"]) for b in buckets if not b["archived"] and not b.get("is_system")),
    ]
    if current and current not in options:
        options.append(current)  # archived since: not used until another is chosen
    key = f"setup_category_bucket_{category['id']}"
    with st.form(key, border=False):
        chosen = st.selectbox(
            "Default bucket",
            options,
            index=options.index(current),
            format_func=lambda value: names[value] if value else "None (Unallocated)",
            help=DEFAULT_BUCKET_HELP,
            key=f"{key}_choice",
        )
        submitted = st.form_submit_button("Save default bucket", key=f"{key}_submit")
    if not submitted:
        return
    if chosen == current:
        st.info("Nothing changed.")
        return
    try:
        api.get_client().patch(path, json={"default_bucket": chosen or None})
    except ApiError as error:
        forms.show_form_error(error)
        return
    if chosen:
        page.written(f"Expenses of {category['name']} now go to {names[chosen]} by default.")
    else:
        page.written(f"Expenses of {category['name']} now go to Unallocated by default.")


def _category_add(page: Page) -> None:
    with st.form("setup_category_add", border=True):
        name = st.text_input("Name", placeholder="Groceries", key="setup_category_name")
        group = st.text_input(
            "Group (optional)",
            max_chars=50,
            placeholder="Daily life",
            help=GROUP_HELP,
            key="setup_category_group",
        )
        type_ = st.selectbox(
            "Type",
            list(labels.CATEGORY_TYPES),
            index=1,
            format_func=labels.CATEGORY_TYPES.__getitem__,
            key="setup_category_type",
        )
        submitted = st.form_submit_button(
            "Add category", type="primary", key="setup_category_submit"
        )
    if not submitted:
        return
    try:
        body = {"name": setup_items.name_of(name), "type": type_}
        if group.strip():
            body["group"] = group.strip()
        api.get_client().post(data.ledger_path("/categories"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_category_name": "", "setup_category_group": ""})
    page.written(f"Added the {type_} category {body['name']}.")
