"""Transactions as cards on a phone: the amount in every card, user text escaped."""

import pandas as pd

from dashboard import cards


def test_a_card_shows_what_the_amount_and_when_with_text_escaped() -> None:
    shown = pd.DataFrame(
        [
            {
                "Date": "2025-03-04",
                "Description": "<b>Rent</b> **now**",
                "Category": "Housing",
                "Wallet": "Bank",
                "Amount": "-1,234.50 EUR",
                "Balance": "900.00 EUR",
            },
            {
                "Date": "2025-03-02",
                "Description": "",
                "Category": "",
                "Kind": "Transfer",
                "Wallet": "Bank → Cash",
                "Amount": "100.00 EUR",
                "Balance": None,
            },
        ]
    )

    markup = cards.transaction_cards(shown, [-1, 0])

    assert "&lt;b&gt;Rent&lt;/b&gt; **now**" in markup
    assert "<b>" not in markup
    assert '<span class="bk-amount bk-out">-1,234.50 EUR</span>' in markup
    assert '<span class="bk-amount ">100.00 EUR</span>' in markup
    assert "2025-03-04 · Housing · Bank" in markup
    assert "Balance 900.00 EUR" in markup
    assert markup.count("Balance") == 1
    assert ">Transfer<" in markup  # a card without a description is named by its kind


def test_cards_show_below_the_phone_breakpoint_and_tables_above() -> None:
    assert f"@media (max-width: {cards.NARROW_PX}px)" in cards.LAYOUT_CSS
    assert cards.NARROW_PX >= 390
