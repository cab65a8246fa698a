"""What each logical line of a listing is, and whether a would-be title can be one.

`classify` names a line's kind: the page's chrome (menus, banners, footer rows), an
upvote count (`[101](…login…)`, `[-] 1`, `Upvote 117`, a number alone), a date with
its extras (`May 29` and a comment count, `· Published on Oct 4, 2026`, an
organisation on the date's line), an author count, the `·` separator, "Submitted
by", a card's row of resource links, or text.  `paper_id`, `paper_links` and
`account_of` read what a line's links say (the paper's arXiv id, its pages, an
organisation's account); `junk_reason` says why a "title" cannot be a paper's (a
URL, markup, code, a number, a date, a menu word, a sentence fragment).  Pure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .capture import DATE_LIKE, MAX_TITLE_LENGTH, parse_date_line, word_count
from .parse_lines import Line
from .text_links import UNKNOWN_TARGET

AUTHORS = re.compile(r"^(?:[-*•·]\s*)*(?P<count>\d{1,5})\s+authors?$", re.IGNORECASE)
# `12`, `[-] 12`, `Upvote 12`, and the button's checkbox as readers write it: `- [ ] 12`, `[x] 12`.
UPVOTES = re.compile(r"^(?:(?:upvote|\[[ x-]?\])\s*)*(?P<count>\d{1,7}|-)$", re.IGNORECASE)
# A card's row of resource links: `[GitHub 131](…) [arXiv Page](…)`, `[LINK: GitHub 11.3k](…)`.
RESOURCE_LINKS = re.compile(r"^(?:(?:link:|github|gitlab|arxiv|page|pdf|code|project|website|"
                            r"paper|demo|dataset|datasets|model|models|space|spaces|hf|·|"
                            r"\d[\d.,]*k?)\s*)+$", re.IGNORECASE)
SEPARATORS = {"·", "•", "⋅"}
SUBMITTED = re.compile(r"^submitted\s+by\b\s*(?P<name>.*)$", re.IGNORECASE)
ARXIV_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
PAPER_LINK = re.compile(r"^https?://(?:www\.)?huggingface\.co/papers/" + ARXIV_ID + r"(?:[/?#].*)?$")
ARXIV_LINK = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?P<kind>abs|pdf)/" + ARXIV_ID)
LOGIN_LINK = re.compile(r"^https?://(?:www\.)?huggingface\.co/login\?next=(?P<next>\S+)$")
# The upvote button's link names the paper it belongs to: `…/login?next=%2Fpapers%2F2606.00683`.
LOGIN_PAPER = re.compile(r"next=(?:%2F|/)papers(?:%2F|/)" + ARXIV_ID.replace("/", "(?:%2F|/)"),
                         re.IGNORECASE)
CODE_LINK = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+/?$")
ACCOUNT_LINK = re.compile(r"^https?://(?:www\.)?huggingface\.co/(?P<account>[\w.-]+)/?$")
NOT_ACCOUNTS = {"models", "datasets", "spaces", "docs", "pricing", "login", "join", "enterprise",
                "storage", "blog", "posts", "learn", "papers", "collections", "tasks", "chat",
                "organizations", "settings", "new", "search"}
URL_OR_DOMAIN = re.compile(r"(https?://|www\.|\w\.(com|org|io|ai|co)\b/)", re.IGNORECASE)
MARKUP = re.compile(r"(\]\(|!\[|\]\[|^\[|<[A-Za-z/!]|^[#>|`]|^[-*+] |^\s*[=-]+\s*$|\*\*)")
CODE = re.compile(r"^(?:def|class|import|return|assert|if|for|while|with|async|await|const|let|var|"
                  r"function)\b|^from \S+ import\b|^[@\"'$%]|=|;$|\{$|\(\)|\):$|\w\(\w*=")
MARKUP_CHARACTERS = re.compile(r"[\[\]<*#>|`]")  # one of them is in any line MARKUP finds
CODE_WORDS = {"def", "class", "import", "return", "assert", "if", "for", "while", "with", "async",
              "await", "const", "let", "var", "function"}
CODE_CHARACTERS = re.compile(r"[=;{()@\"'$%]")  # as CODE finds, past its first words
LINK_SYNTAX = re.compile(r"\]\(|!\[|\]\[|^\s*[=-]*\s*$|</?(?:a|img|script|div|span|p|b|i|br|iframe|svg|"
                         r"style|object|embed)\b", re.IGNORECASE)
LETTER = re.compile(r"[^\W\d_]")
CONNECTORS = {"and", "or", "of", "the", "a", "an", "to", "in", "with", "for", "on", "by", "which",
              "that", "as", "at", "from", "but", "is", "are", "we", "our", "its"}

# The listing page's chrome, compared case-insensitively after markup is gone.
CHROME = {
    "new", "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!", "subscribe", "daily papers",
    "daily papers - hugging face", "byak and the research community",
    "by ak and the research community", "and the research community", "by", "ak", "hugging face",
    "daily", "weekly", "monthly", "trending papers", "trending", "models", "datasets", "spaces",
    "buckets new", "buckets", "docs", "enterprise", "pricing", "log in", "sign up", "website",
    "tasks", "huggingchat", "collections", "languages", "organizations", "community", "blog",
    "posts", "learn", "discord", "forum", "github", "solutions", "team & enterprise",
    "hugging face pro", "enterprise support", "inference providers", "inference endpoints",
    "storage buckets", "previous", "next", "load more", "view all", "search", "upvote",
    "web source", "text", "references", "copy link", "share", "sort by", "most recent",
    "system theme", "company", "hugging face's logo", "hugging face's logo hugging face",
}
# A footer or menu row, its words run together or not: "TOS Privacy About Careers",
# "ModelsDatasetsSpacesPricingDocs", "PreviousNext".
MENU_WORDS = ("models", "datasets", "spaces", "pricing", "docs", "tos", "privacy", "about", "careers",
              "jobs", "company", "website", "previous", "next", "system theme", "enterprise", "posts",
              "blog", "learn", "community", "solutions", "log in", "sign up")
MENU_ROW = re.compile(r"^(?:(?:" + "|".join(MENU_WORDS) + r")\s*){2,}$", re.IGNORECASE)
MENU_ROW_STARTS = {word[:3] for word in MENU_WORDS}  # looked up before the pattern is tried
# The page's banners: "Get trending papers in your email inbox!", "Trending Papers ranked by
# GitHub stars activity".
BANNERS = ("get trending papers", "new get trending papers", "trending papers ranked by")
# A page heading a text dump put on the line of the listing's date: `Trending Papers Oct 2 101`.
GLUED_HEADINGS = ("trending papers", "daily papers", "previous", "next", "daily", "weekly", "monthly")
GLUED_HEADER = re.compile(r"^(?:" + "|".join(GLUED_HEADINGS) + r")\s+(?=[A-Za-z]{3,9}\.?\s+\d{1,2}\b)",
                          re.IGNORECASE)
GLUED_HEADER_STARTS = {heading[:3] for heading in GLUED_HEADINGS}
# What a browser prints at the top and foot of each page of a printout (then saved as PDF and
# turned into text): the time it printed `1/15/25, 10:11 AM …`, the page's address and number
# `https://huggingface.co/papers 1/3`, `Page 1 of 3`.
PRINT_MARGIN = re.compile(r"^(?:\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?(?:\s|$)|"
                          r"(?:(?:https?|file)://\S+\s+)?(?:page\s+)?\d{1,4}\s*(?:/|of)\s*\d{1,4}$)", re.IGNORECASE)
LONGEST_METADATA = 80


@dataclass(slots=True)
class Kind:
    name: str  # chrome, upvotes, date, authors, separator, comments, submitted, text
    value: object = None


TEXT, CHROME_LINE, SEPARATOR = Kind("text"), Kind("chrome"), Kind("separator")
RESOURCES = Kind("resources")
METADATA_KINDS = ("upvotes", "button", "number", "date", "authors", "separator")
KINDS = ("chrome", "upvotes", "button", "number", "date", "authors", "separator", "comments", "submitted",
         "resources", "text")


def classify_all(lines: list[Line]) -> list[Kind]:
    """Each line's kind.  A listing repeats its metadata lines (`·`, the day's date, `3
    authors`) on every card: a line without links, whose kind its text alone decides, is
    classified once per distinct text."""
    kinds: list[Kind] = []
    known: dict[str, Kind] = {}
    for line in lines:
        if line.links or not line.text or len(line.text) > LONGEST_METADATA:
            kinds.append(classify(line))
            continue
        kind = known.get(line.text)
        if kind is None:
            kind = known[line.text] = classify(line)
        kinds.append(kind)
    return kinds


def classify(line: Line) -> Kind:
    text = line.text
    if line.comments is not None and not text:
        return Kind("comments", line.comments)
    if len(text) > LONGEST_METADATA and "·" not in text:
        # prose: no date, count or menu word is this long; a banner run together may be
        return CHROME_LINE if text[:1] in "GgNnTt" and text.lower().startswith(BANNERS) else TEXT
    lowered = text.lower()
    upvotes = UPVOTES.match(text)
    if upvotes and (not line.links or _links_to_login(line.links)
                    or text.startswith("[-]") or line.links == [UNKNOWN_TARGET]):
        count = upvotes["count"]
        name = "upvotes" if line.links or text.startswith("[-]") else \
            "button" if lowered.startswith("upvote") else "number"
        return Kind(name, 0 if count == "-" else int(count))
    if is_chrome(lowered) or (text[:1].isdigit() or lowered[:4] in ("http", "file", "page")) and \
            PRINT_MARGIN.match(text):
        return CHROME_LINE
    if text in SEPARATORS:
        return SEPARATOR
    if lowered[:3] in GLUED_HEADER_STARTS and GLUED_HEADER.match(text):  # `Trending Papers Oct 2 101`
        text = GLUED_HEADER.sub("", text)
    parts = [part.strip() for part in text.split("·")] if "·" in text else [text]
    for index, part in enumerate(parts):
        date = parse_date_line(part)
        if date:
            others = [p for i, p in enumerate(parts) if i != index and p]
            return Kind("date", (date, " ".join(others) or None))
    authors = AUTHORS.match(text)
    if authors:
        return Kind("authors", int(authors["count"]))
    if (line.links or len(text) <= 40 and LETTER.search(text)) and RESOURCE_LINKS.match(text):
        return RESOURCES  # `GitHub 131`, `arXiv Page`: a card's resource row, linked or copied
    submitted = SUBMITTED.match(text)
    if submitted:
        return Kind("submitted", submitted["name"].strip() or None)
    if line.links and _links_to_login(line.links) and word_count(text) <= 3:
        return CHROME_LINE
    return TEXT


def is_chrome(lowered: str) -> bool:
    """A menu word, a banner or a footer row of the page (`lowered`: the line in lower case)."""
    return lowered in CHROME or lowered.startswith(BANNERS) or \
        lowered[:3] in MENU_ROW_STARTS and bool(MENU_ROW.match(lowered))


def _links_to_login(links: list[str]) -> bool:
    for url in links:
        if LOGIN_LINK.match(url):
            return True
    return False


def paper_id(links: list[str]) -> str | None:
    """The arXiv id a card's links name: its Hugging Face page, arXiv, or the upvote login link."""
    for url in links:
        found = _id_in(url)
        if found:
            return found
    return None


@functools.lru_cache(maxsize=4096)
def _id_in(url: str) -> str | None:
    for pattern in (PAPER_LINK, ARXIV_LINK):
        match = pattern.match(url)
        if match:
            return match["id"]
    if LOGIN_LINK.match(url):
        match = LOGIN_PAPER.search(url)
        if match:
            return match["id"]
    return None


def paper_links(links: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for url in links:
        name = _link_name(url)
        if name is not None:
            found.setdefault(name, url)
    return found


@functools.lru_cache(maxsize=4096)
def _link_name(url: str) -> str | None:
    """Which of a paper's links `url` is, if any (remembered: a card links its paper from
    several of its lines)."""
    if PAPER_LINK.match(url) and "#" not in url:
        return "huggingface"
    arxiv = ARXIV_LINK.match(url)
    if arxiv:
        return "arxiv" if arxiv["kind"] == "abs" else "pdf"
    return "code" if CODE_LINK.match(url) else None


def account_of(links: list[str]) -> str | None:
    for url in links:
        match = ACCOUNT_LINK.match(url)
        if match and match["account"].lower() not in NOT_ACCOUNTS:
            return match["account"]
    return None


def junk_reason(title: str) -> str | None:
    """Why `title` cannot be a paper's title, or None if it can."""
    if len(title) > MAX_TITLE_LENGTH:
        return "too long for a title"
    lowered = title.lower()
    # Each pattern is looked for only where the characters it needs are there: most titles
    # have none, and a search over every position of every title is most of the check.  The
    # characters are looked for by a character class, not by building a set of the title's.
    if ("/" in title or "www." in lowered) and URL_OR_DOMAIN.search(title):
        return "a URL"
    if (MARKUP_CHARACTERS.search(title) or title[:2] in ("- ", "+ ") or
            not title.strip("=- ")) and MARKUP.search(title):
        return "markup"
    if (CODE_CHARACTERS.search(title) or title.split(" ", 1)[0] in CODE_WORDS
            or title.startswith("from ")) and CODE.search(title):
        return "code"
    if not LETTER.search(title):
        return "a number or punctuation"
    if DATE_LIKE.match(title):
        return "a date"
    if lowered != "new" and is_chrome(lowered):
        return "a menu word"
    words = title.split()
    if title[0].islower() and (len(words) == 1 and ":" not in title or words[0] in CONNECTORS
                               or title.endswith((",", ";", "-")) or words[-1] in CONNECTORS):
        return "a sentence fragment"
    if title.endswith((",", ";")) or (len(words) > 2 and words[-1].lower() in CONNECTORS
                                      and words[-1].lower() not in {"a", "is", "are"}):
        return "a sentence fragment"
    return None
