"""What users type (a description, a wallet's or a ledger's name) and what the server writes
about it (a notification) shows on the pages as typed: Markdown and HTML in it stay text."""

from collections.abc import Iterator
from typing import Any

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.api import ApiError
from dashboard.formatting import ZERO_WIDTH_SPACE
from tests.fake_ledger import LEDGER_ID, LP, FakeLedgerClient, app_on, served

HOSTILE = "**URGENT** [verify](http://evil.example) <b>now</b> :red[x] $1$"
# CommonMark with GFM tables and strikethrough: the syntax Streamlit's Markdown builds on.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
PLAIN_TOKENS = {"text", "softbreak", "hardbreak"}


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _rendered(value: str) -> tuple[str, set[str]]:
    """(the text a Markdown renderer shows for ``value``, the kinds of inline tokens in it)."""
    shown, kinds = [], set()
    for block in MARKDOWN.parse(value):
        for child in block.children or []:
            kinds.add(child.type)
            shown.append(child.content if child.type == "text" else " ")
    return "".join(shown).replace(ZERO_WIDTH_SPACE, ""), kinds


def _shows_literally(elements: Any, text: str) -> bool:
    """Some element says ``text`` as typed (its "**", "[…](…)" and "<b>" included), with no
    link, code, HTML or emphasis made of it."""
    found = False
    for element in elements:
        shown, kinds = _rendered(str(element.value))
        if text in shown:
            # The page's own bold (an unread notification's title) is all the Markdown left.
            assert kinds <= PLAIN_TOKENS | {"strong_open", "strong_close"}, (element.value, kinds)
            found = True
    return found


def test_a_description_in_markdown_shows_as_typed_in_the_success_message(
    fake: FakeLedgerClient,
) -> None:
    at = app_on("transactions").run()
    at.text_input(key="tx_add_expense_amount").input("12.30")
    at.selectbox(key="tx_add_expense_wallet").select("w-cash")
    at.selectbox(key="tx_add_expense_category").select("c-groceries")
    at.text_input(key="tx_add_expense_description").input(HOSTILE)
    at.button(key="tx_add_submit").click().run()

    assert not at.exception
    assert _shows_literally(at.success, HOSTILE)


def test_a_viewer_sees_a_description_in_markdown_as_typed(fake: FakeLedgerClient) -> None:
    fake.transactions[0]["description"] = HOSTILE
    at = app_on("transactions", role="viewer").run()
    _view, generation = at.session_state["tx_view"]
    at.session_state[f"tx_table_{generation}"] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    at.run()

    assert not at.exception
    assert _shows_literally(at.caption, HOSTILE)


def test_a_wallet_name_in_markdown_shows_as_typed(fake: FakeLedgerClient) -> None:
    at = app_on("setup").run()
    at.text_input(key="setup_wallet_name").input(HOSTILE)
    at.button(key="setup_wallet_submit").click().run()

    assert not at.exception
    assert _shows_literally(at.success, HOSTILE)


def test_a_ledger_name_in_markdown_shows_as_typed(fake: FakeLedgerClient) -> None:
    at = app_on("account")
    ledgers = at.session_state[session.LEDGERS_KEY]
    for ledger in [*ledgers, *fake.ledger_list]:
        if ledger["id"] == LEDGER_ID:
            ledger["name"] = HOSTILE
    at.session_state[session.LEDGERS_KEY] = ledgers
    at.run()

    assert not at.exception
    assert _shows_literally(at.subheader, f"Members of {HOSTILE}")


def test_a_notification_in_markdown_shows_as_typed(fake: FakeLedgerClient) -> None:
    fake.notifications[0]["title"] = f"Budget exceeded: {HOSTILE}"
    fake.notifications[0]["message"] = f"Spent on {HOSTILE}."
    at: AppTest = app_on("notifications").run()

    assert not at.exception
    assert _shows_literally(at.markdown, f"Budget exceeded: {HOSTILE}")
    assert _shows_literally(at.markdown, f"Spent on {HOSTILE}.")


def test_an_api_message_quoting_a_name_in_markdown_shows_as_typed(
    fake: FakeLedgerClient,
) -> None:
    detail = f"A wallet named '{HOSTILE}' already exists in this ledger."
    fake.fail("POST", f"{LP}/wallets", ApiError(409, "name_taken", detail))
    at = app_on("setup").run()
    at.text_input(key="setup_wallet_name").input(HOSTILE)
    at.button(key="setup_wallet_submit").click().run()

    assert not at.exception
    assert _shows_literally(at.error, detail)
