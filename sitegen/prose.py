"""The Markdown fields of site.yaml (the site's and each topic's description): HTML for
pages, and plain text where Markdown means nothing (meta descriptions, OpenGraph, feed
subtitles, JSON-LD).  Both with smart punctuation: “quotes”, ’apostrophes’, – and … ."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

# commonmark's preset leaves the typographer's two rules off; `typographer` alone does nothing.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
    ["replacements", "smartquotes"])
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=256)
def markdown_html(text: str | None) -> str:
    """HTML of a Markdown field (raw HTML in it is shown as text).  Remembered: the
    site's description is on many pages."""
    return _MARKDOWN.render(text or "")


@functools.lru_cache(maxsize=256)
def plain_text(text: str | None) -> str:
    """The words of a Markdown field on one line: no markup, entities decoded, images by
    their alt text, blocks separated by a space."""
    words: list[str] = []
    for token in _MARKDOWN.parse(text or ""):
        if token.type == "inline":
            words.append(_inline_text(token.children or []))
        elif token.type in ("code_block", "fence"):
            words.append(token.content)
    return _SPACES.sub(" ", " ".join(words)).strip()


def _inline_text(children: list[Token]) -> str:
    pieces = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif child.type == "image":
            pieces.append(_inline_text(child.children or []))
    return "".join(pieces)
