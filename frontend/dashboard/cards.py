"""Transactions as cards for a phone's width: what, the amount always in sight, then when,
category and wallet (and the balance after it in a wallet's register).

Pages draw the table and the cards side by side; the style (`LAYOUT_CSS`, on every page) shows
the table on wide screens and the cards below 640 px. The cards are HTML with every text
escaped, so nothing a user typed is read as Markdown or markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

NARROW_PX = 640
SIGN_CLASSES = {1: "bk-in", -1: "bk-out", 0: ""}
LAYOUT_CSS = f"""<style>
.bk-card {{ border-bottom: 1px solid rgba(128, 128, 128, 0.3); padding: 0.45rem 0; }}
.bk-card-top {{ display: flex; justify-content: space-between; gap: 0.75rem; }}
.bk-title {{ min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }}
.bk-amount {{ white-space: nowrap; font-weight: 600; font-variant-numeric: tabular-nums; }}
.bk-in {{ color: #2e9e5b; }}
.bk-out {{ color: #d64545; }}
.bk-meta {{ opacity: 0.7; font-size: 0.85rem; overflow-wrap: anywhere; }}
[class*="st-key-narrow_"] {{ display: none; }}
@media (max-width: {NARROW_PX}px) {{
  [class*="st-key-narrow_"] {{ display: block; }}
  [class*="st-key-wide_"] {{ display: none; }}
}}
</style>"""


def transaction_cards(shown: pd.DataFrame, signs: Sequence[int]) -> str:
    """``shown``: a transaction table as displayed (money as text); ``signs``: each amount's
    colour (1 in, -1 out, 0 neither). A row in another currency than the ledger's (the table
    has an "In <base>" column, SPEC §14) names its worth in the base currency too."""
    base_column = shown.attrs.get("base_column")
    cards = []
    for record, sign in zip(shown.to_dict("records"), signs, strict=True):
        title = _get(record, "Description") or _get(record, "Category") or _get(record, "Kind")
        parts = [_get(record, name) for name in ("Date", "Category", "Wallet")]
        worth = _get(record, base_column) if base_column else ""
        if worth and worth != record["Amount"]:
            parts.append(f"{base_column}: {worth}")
        meta = " · ".join(part for part in parts if part)
        balance = _get(record, "Balance")
        after = f'<div class="bk-meta">Balance {_text(balance)}</div>' if balance else ""
        cards.append(
            '<div class="bk-card"><div class="bk-card-top">'
            f'<span class="bk-title">{_text(title)}</span>'
            f'<span class="bk-amount {SIGN_CLASSES[sign]}">{_text(record["Amount"])}</span>'
            f'</div><div class="bk-meta">{_text(meta)}</div>{after}</div>'
        )
    return f'<div class="bk-cards">{"".join(cards)}</div>'


def _get(record: dict, name: str) -> str:
    """A cell's text; "" for a missing one (pandas fills gaps with NaN)."""
    value = record.get(name)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


# After a page change on a phone, the sidebar (where the navigation is) would stay open over the
# page just chosen: below NARROW_PX the page asks Streamlit's own collapse button to close it.
# Wider windows keep their sidebar as it was. The script tries for two seconds while the new
# page draws, and stops at once when the sidebar is closed already.
_SIDEBAR_CLOSE_SCRIPT = """<script>/* page NONCE */
(() => {
  const win = window.parent;
  const doc = win.document;
  if (win.innerWidth >= WIDTH) return;
  let tries = 0;
  const close = () => {
    const bar = doc.querySelector('[data-testid="stSidebar"]');
    if (bar && bar.getAttribute('data-collapsed') === 'true') return;
    const button = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (bar && button) {
      button.click();
      return;
    }
    if (++tries < 20) setTimeout(close, 100);
  };
  setTimeout(close, 50);
})();
</script>"""


def sidebar_close_script(nonce: str) -> str:
    """The script that closes the sidebar on a phone; ``nonce`` (the page, a counter) makes
    each page change's copy new, so the browser runs it again."""
    return _SIDEBAR_CLOSE_SCRIPT.replace("NONCE", nonce.replace("*/", "")).replace(
        "WIDTH", str(NARROW_PX)
    )
