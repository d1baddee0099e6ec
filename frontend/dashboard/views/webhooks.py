"""Webhooks: a ledger's owners list the URLs told about its events, add one (its signing
secret shown once), turn one off or delete it, and see how its deliveries went."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms, labels
from dashboard.api import ApiError, FieldError
from dashboard.formatting import literal
from dashboard.forms import FormErrors
from dashboard.views.common import Page, add_and_change, ledger_page, show_error

PAGE = Page(flash_key="webhooks_flash", confirm_key="webhooks_confirm")
SECRET_KEY = "webhooks_secret"  # the new webhook's secret, until the owner says it is copied


def events_text(events: list[str]) -> str:
    return ", ".join(labels.label(labels.WEBHOOK_EVENTS, e) for e in events)


def render() -> None:
    top = ledger_page("Webhooks", PAGE.flash_key)
    if top is None:
        return
    ledger, _ = top
    if ledger.get("role") != "owner":
        st.info("Only the ledger's owners manage its webhooks.")
        return
    st.caption(
        "A webhook is a URL of yours that this ledger POSTs to when something happens: a "
        "signed JSON message (header X-Budget-Signature; the README shows how to check it), "
        "retried for a few hours while your server does not answer 2xx."
    )
    _secret_once()
    try:
        hooks = data.get_all(data.ledger_path("/webhooks"))
    except ApiError as error:
        show_error(error)
        return
    if hooks:
        table = pd.DataFrame(
            {
                "URL": [h["url"] for h in hooks],
                "Events": [events_text(h["events"]) for h in hooks],
                "Active": ["Yes" if h["active"] else "No" for h in hooks],
            }
        )
        st.dataframe(table, hide_index=True)
    else:
        st.info("No webhooks yet. Add one below.")
    add_and_change(
        "Add a webhook",
        _webhook_add,
        "Change a webhook",
        lambda: _webhook_change(hooks),
        nothing_to_change=None if hooks else "Webhooks you add can be changed here.",
    )
    if hooks:
        st.divider()
        _deliveries(hooks)


def _secret_once() -> None:
    created = st.session_state.get(SECRET_KEY)
    if not created:
        return
    with st.container(border=True):
        st.warning(
            f"The signing secret of {literal(created['url'])}: copy it now, it is not shown again.",
            icon=":material/key:",
        )
        st.code(created["secret"], language=None)
        if st.button("I have copied it", key="webhooks_secret_done"):
            st.session_state.pop(SECRET_KEY, None)
            st.rerun()


def _webhook_add() -> None:
    with st.form("webhooks_add"):
        url = st.text_input(
            "URL",
            placeholder="https://example.com/budget-hook",
            help="http or https; addresses inside your network are refused unless the "
            "server allows them (WEBHOOK_ALLOW_PRIVATE).",
            key="webhooks_url",
        )
        events = st.multiselect(
            "Events",
            list(labels.WEBHOOK_EVENTS),
            default=["*"],
            format_func=labels.WEBHOOK_EVENTS.__getitem__,
            key="webhooks_events",
        )
        submitted = st.form_submit_button("Add webhook", type="primary", key="webhooks_submit")
    if not submitted:
        return
    try:
        problems = []
        if not url.strip():
            problems.append(FieldError(field="url", message="Enter the URL."))
        if not events:
            problems.append(FieldError(field="events", message="Choose at least one event."))
        if problems:
            raise FormErrors(problems)
        created = api.get_client().post(
            data.ledger_path("/webhooks"), json={"url": url.strip(), "events": events}
        )
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    st.session_state[SECRET_KEY] = {"url": created["url"], "secret": created["secret"]}
    forms.reset_later({"webhooks_url": ""})
    PAGE.written(f"Added the webhook {created['url']}.")


def _pick(hooks: list[dict[str, Any]], key: str, label: str) -> dict[str, Any]:
    by_id = {str(h["id"]): h for h in hooks}
    chosen = st.selectbox(label, list(by_id), format_func=lambda i: by_id[i]["url"], key=key)
    return by_id[chosen]


def _webhook_change(hooks: list[dict[str, Any]]) -> None:
    hook = _pick(hooks, "webhooks_pick", "Webhook")
    path = data.ledger_path(f"/webhooks/{hook['id']}")
    key = f"webhooks_{hook['id']}"
    left, right = st.columns(2)
    switch = "Turn off" if hook["active"] else "Turn on"
    if left.button(switch, key=f"{key}_active"):
        try:
            api.get_client().patch(path, json={"active": not hook["active"]})
        except ApiError as error:
            show_error(error)
            return
        state = "off" if hook["active"] else "on"
        PAGE.written(f"Turned the webhook {hook['url']} {state}.")
    with right:
        PAGE.delete(key, "webhook", hook["url"], path, f"Deleted the webhook {hook['url']}.")


def _deliveries(hooks: list[dict[str, Any]]) -> None:
    st.subheader("Deliveries")
    hook = _pick(hooks, "webhooks_deliveries_pick", "Of the webhook")
    try:
        page = api.get_client().get(
            data.ledger_path(f"/webhooks/{hook['id']}/deliveries"), params={"page_size": 50}
        )
    except ApiError as error:
        show_error(error)
        return
    items = page["items"]
    if not items:
        st.caption("Nothing was sent to this webhook yet.")
        return
    st.dataframe(deliveries_table(items), hide_index=True)
    st.caption(f"The latest {len(items)} of {page['count']}.")


def deliveries_table(items: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "At": [str(d["at"])[:19].replace("T", " ") for d in items],
            "Event": [labels.label(labels.WEBHOOK_EVENTS, d["event"]) for d in items],
            "Status": [labels.label(labels.DELIVERY_STATUSES, d["status"]) for d in items],
            "Attempts": [d["attempts"] for d in items],
            "Response": [
                "" if d["response_code"] is None else str(d["response_code"]) for d in items
            ],
            "Error": [d["last_error"] for d in items],
        }
    )
