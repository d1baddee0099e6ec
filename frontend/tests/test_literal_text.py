"""User text reaches Streamlit's Markdown (messages, captions, labels) as literal text."""

import re

import pytest
from markdown_it import MarkdownIt

from dashboard.formatting import ZERO_WIDTH_SPACE, literal

# CommonMark with GFM tables and strikethrough: the syntax Streamlit's Markdown builds on.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "**URGENT** [verify](http://evil.example)",
    "<img src=x onerror=alert(1)> <b>bold</b>",
    "# Heading",
    "- item\n+ item\n1. first",
    "`code` and ```fence```",
    "_under_ *star* ~~gone~~",
    "$x^2$ costs $$5$$",
    ":smile: :material/home: :red[red text] :blue-background[x]",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "> quoted\n\n    indented code",
    "![image](http://evil.example/x.png) <http://evil.example> &amp; &lt;",
    "back\\slash \\*",
    "Rent === \n---",
    "see http://evil.example or www.evil.example (shown as they are)",
    "3) third\n10. tenth\n* star",
]


def _inline_kinds(text: str) -> set[str]:
    kinds = set()
    for block in MARKDOWN.parse(text):
        kinds.add(block.type)
        kinds.update(child.type for child in block.children or [])
    return kinds


def _rendered_text(text: str) -> str:
    """What a CommonMark renderer shows for ``text``: its text pieces, joined."""
    pieces = []
    for block in MARKDOWN.parse(text):
        for child in block.children or []:
            pieces.append(child.content if child.type == "text" else "\n")
        pieces.append("\n")
    return "".join(pieces)


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_text_renders_as_one_plain_paragraph(text: str) -> None:
    escaped = literal(text)

    assert _inline_kinds(escaped) <= {
        "paragraph_open",
        "paragraph_close",
        "inline",
        "text",
        "softbreak",
        "hardbreak",
    }


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_text_reads_as_typed(text: str) -> None:
    shown = _rendered_text(literal(text)).replace(ZERO_WIDTH_SPACE, "")

    # Every character as typed; only the white space between words may differ (a line's
    # indentation is no code block, a blank line starts a new paragraph).
    assert shown.split() == text.split()


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_text_has_no_dollar_emoji_or_directive_left(text: str) -> None:
    escaped = literal(text)

    # Streamlit's math, emoji shortcodes, icons and colour directives: an unescaped $, or a
    # colon followed by a name.
    assert re.search(r"(?<!\\)\$", escaped) is None
    assert re.search(r":[\w+-]+(/[\w-]+)?[:\[]", escaped) is None


def test_literal_keeps_plain_text_and_accepts_none() -> None:
    sentence = (
        "Added Ada's budget (EUR) for 12.50 EUR, 50 % of it: ok? Yes! bob@example.com at "
        "10:05, see http://127.0.0.1:8000/api/v1."
    )
    assert literal(sentence) == sentence
    assert literal(None) == ""
    assert literal(12) == "12"
