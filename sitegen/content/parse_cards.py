"""Paper cards out of a listing's logical lines, in every order listings print them.

The seeds print a card as title, abstract, then metadata (`• 3 authors` or an
organisation line, `·`, and `Jun 12 2`: date and upvotes).  Today's page puts the
upvote count first (`[101](…login…)`, `[-] 1`, a number alone), then the title,
the abstract, the authors or organisation, `·`, the date and a comment count.
Each line is classified (chrome, upvotes, date, authors, …) and a small state
machine groups them into `Entry`s; links that belong to a paper (its Hugging Face
page, arXiv, PDF, code) give its arXiv id.  Then whatever is not a paper (a
"title" that is a URL, markup, a number, a date, a menu word or a sentence
fragment) is set aside as skipped.  Pure: lines in, entries out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .capture import (DATE_LIKE, MAX_TITLE_LENGTH, SENTENCE_END, Dump, Entry, is_abstract_like,
                      parse_date_line, shorten, word_count)
from ..errors import warning
from .parse_lines import Line

AUTHORS = re.compile(r"^(?:[-*•·]\s*)*(?P<count>\d{1,5})\s+authors?$", re.IGNORECASE)
UPVOTES = re.compile(r"^(?:upvote\s*)?(?:\[-\]\s*)?(?P<count>\d{1,7}|-)$", re.IGNORECASE)
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
}
LONGEST_METADATA = 80
# Chrome that a copy-paste may glue to the first title, as in "SubscribeHow do…".
GLUED_CHROME_PREFIXES = ("Subscribe", "Daily Papers", "byAK and the research community")


@dataclass(slots=True)
class _Kind:
    name: str  # chrome, upvotes, date, authors, separator, comments, submitted, text
    value: object = None


TEXT, CHROME_LINE, SEPARATOR = _Kind("text"), _Kind("chrome"), _Kind("separator")
RESOURCES = _Kind("resources")
KINDS = ("chrome", "upvotes", "number", "date", "authors", "separator", "comments", "submitted",
         "resources", "text")


def classify(line: Line) -> _Kind:
    text = line.text
    if line.comments is not None and not text:
        return _Kind("comments", line.comments)
    if len(text) > LONGEST_METADATA and "·" not in text:
        return TEXT  # prose: no date, count or menu word is this long
    lowered = text.lower()
    upvotes = UPVOTES.match(text)
    if upvotes and (not line.links or _links_to_login(line.links)
                    or text.startswith("[-]")):
        count = upvotes["count"]
        return _Kind("upvotes" if line.links or text.startswith("[-]") else "number",
                     0 if count == "-" else int(count))
    if lowered in CHROME or lowered.startswith("get trending papers"):
        return CHROME_LINE
    if text in SEPARATORS:
        return SEPARATOR
    parts = [part.strip() for part in text.split("·")] if "·" in text else [text]
    for index, part in enumerate(parts):
        date = parse_date_line(part)
        if date:
            others = [p for i, p in enumerate(parts) if i != index and p]
            return _Kind("date", (date, " ".join(others) or None))
    authors = AUTHORS.match(text)
    if authors:
        return _Kind("authors", int(authors["count"]))
    if line.links and RESOURCE_LINKS.match(text):
        return RESOURCES
    submitted = SUBMITTED.match(text)
    if submitted:
        return _Kind("submitted", submitted["name"].strip() or None)
    if line.links and _links_to_login(line.links) and word_count(text) <= 3:
        return CHROME_LINE
    return TEXT


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
    if (lowered in CHROME and lowered != "new") or lowered.startswith("get trending papers"):
        return "a menu word"
    words = title.split()
    if title[0].islower() and (len(words) == 1 and ":" not in title or words[0] in CONNECTORS
                               or title.endswith((",", ";", "-")) or words[-1] in CONNECTORS):
        return "a sentence fragment"
    if title.endswith((",", ";")) or (len(words) > 2 and words[-1].lower() in CONNECTORS
                                      and words[-1].lower() not in {"a", "is", "are"}):
        return "a sentence fragment"
    return None


@dataclass
class _Card:
    entry: Entry
    strong: bool  # started by an upvote count, a heading or a paper link
    metadata: bool = False
    title_lines: list[int] = field(default_factory=list)


class CardReader:
    """Groups classified lines into entries; one per capture file."""

    def __init__(self, dump: Dump, markdown: bool):
        self.dump, self.markdown = dump, markdown
        self.cards: list[_Card] = []
        self.card: _Card | None = None
        self.pending_upvotes: tuple[int, int, list[str]] | None = None  # (count, line, links)
        self.pending_submitter: str | None = None
        self.expect_submitter = False

    def warn(self, line: int | None, message: str) -> None:
        self.dump.diagnostics.append(warning(self.dump.path, line, message))

    def read(self, lines: list[Line]) -> list[_Card]:
        kinds = [classify(line) for line in lines]
        for index, line in enumerate(lines[1:], start=1):  # "new" is chrome only at the top
            if len(line.text) == 3 and line.text.lower() == "new":
                after = lines[index + 1].text.lower() if index + 1 < len(lines) else ""
                if not after.startswith("get trending papers"):
                    kinds[index] = TEXT
        handlers = {name: getattr(self, f"_on_{name}") for name in KINDS}
        kinds.append(None)
        lines.append(None)
        try:
            for index, kind in enumerate(kinds[:-1]):
                handlers[kind.name](lines[index], kind, kinds[index + 1], lines[index + 1])
        finally:
            lines.pop()
        return self.cards

    # --- each kind of line ---------------------------------------------------------------

    def _on_chrome(self, line, kind, following, following_line) -> None:
        """The page's own menus and banners: nothing of a paper's."""

    def _on_number(self, line, kind, following, following_line) -> None:
        card = self.card
        # After a date, a number followed by the next card's count is the comment count.
        if card and card.entry.date_line and card.entry.comments is None and \
                self.pending_upvotes is None and \
                (following is None or following.name in ("number", "upvotes", "submitted")):
            card.entry.comments = kind.value
            return
        self._on_upvotes(line, kind, following, following_line)

    def _on_upvotes(self, line, kind, following, following_line) -> None:
        card = self.card
        if card is not None and card.entry.upvotes is None and card.entry.arxiv_id is not None \
                and paper_id(line.links) == card.entry.arxiv_id:
            card.entry.upvotes = kind.value  # a layout that puts the button below the card
            return
        # The paper the button names is read only if the card names none itself.
        self.pending_upvotes = (kind.value, line.number, line.links)

    def _on_resources(self, line, kind, following, following_line) -> None:
        if self.card is not None:
            for name, url in paper_links(line.links).items():
                self.card.entry.links.setdefault(name, url)

    def _on_comments(self, line, kind, following, following_line) -> None:
        if self.card and self.card.entry.comments is None:
            self.card.entry.comments = kind.value

    def _on_submitted(self, line, kind, following, following_line) -> None:
        self.pending_submitter = kind.value
        self.expect_submitter = kind.value is None

    def _on_separator(self, line, kind, following, following_line) -> None:
        if self.card is None:
            self.warn(line.number, "metadata separator '·' comes before any paper; ignored")
        else:
            self.card.metadata = True

    def _on_authors(self, line, kind, following, following_line) -> None:
        if self.card is None:
            self.warn(line.number, f"{line.text!r} comes before any paper; ignored")
            return
        entry = self.card.entry
        if entry.authors is not None or entry.org_account is not None:
            self.warn(line.number, "second authors or organisation line; the last one wins")
        entry.authors, entry.org_account, entry.org_name = kind.value, None, None
        self.card.metadata = True

    def _on_date(self, line, kind, following, following_line) -> None:
        (date, number), other = kind.value
        card = self.card
        if card is None or self.pending_upvotes is not None:
            if self.dump.header_date is None:
                self.dump.header_date, self.dump.header_line = date, line.number
            else:
                self.warn(line.number, f"second capture date {line.text!r} ignored")
            return
        entry = card.entry
        if entry.date is not None:
            self.warn(line.number, f"date {line.text!r} has no paper (already dated); ignored")
            return
        entry.date, entry.date_line = date, line.number
        if number is not None:  # the seeds print upvotes after the date; today's page, comments
            if entry.upvotes is None:
                entry.upvotes = number
            else:
                entry.comments = number
        if line.comments is not None:
            entry.comments = line.comments
        if other and AUTHORS.match(other):
            entry.authors = int(AUTHORS.match(other)["count"])
        elif other and entry.org_account is None:
            entry.org_account = account_of(line.links) or other
            entry.org_name = other
        card.metadata = True

    def _on_text(self, line, kind, following, following_line) -> None:
        if self.expect_submitter and word_count(line.text) == 1:
            self.pending_submitter, self.expect_submitter = line.text, False
            return
        self.expect_submitter = False
        card = self.card
        linked = paper_id(line.links)
        if self.pending_upvotes is not None or line.heading:
            self._start(line, linked, strong=True)
        elif linked and card is not None and linked == card.entry.arxiv_id and \
                (not card.metadata or not card.entry.abstract and word_count(line.text) >= 12):
            self._add_abstract(line, join=bool(card.entry.abstract))
        elif linked and card is not None and linked == card.entry.arxiv_id:
            self._on_resources(line, kind, following, following_line)  # the card's own links
        elif linked and (card is None or linked != card.entry.arxiv_id):
            self._start(line, linked, strong=True)
        elif card is not None and self._is_organisation(line, following, following_line):
            entry = card.entry
            account = account_of(line.links)
            handle, _, rest = line.text.partition(" ")
            if account is None and line.alt is None and rest and not line.links and \
                    handle[:3].lower() == rest.replace(" ", "")[:3].lower():
                account, name = handle, rest.strip()  # the seeds: `pathwaycom Pathway`
            else:
                account, name = account or line.alt or line.text, line.text
            entry.org_account, entry.org_name = account, name
            card.metadata = True
        elif card is not None and not card.metadata and not card.entry.abstract:
            if self._continues_title(line, following, following_line):
                card.entry.title = f"{card.entry.title} {line.text}"
                card.title_lines.append(line.number)
            elif is_abstract_like(line.text) or line.text.endswith(SENTENCE_END) or \
                    (card.strong and word_count(line.text) >= 12) or \
                    self._wraps_on(line, following, following_line):
                self._add_abstract(line, join=False)
            else:
                self._start(line, linked, strong=False)
        elif card is not None and not card.metadata and self._continues_abstract(line):
            self._add_abstract(line, join=not is_abstract_like(line.text))
        else:
            self._start(line, linked, strong=False)

    # --- helpers --------------------------------------------------------------------------

    def _start(self, line: Line, linked: str | None, strong: bool) -> None:
        """A new card titled by `line`, whose links name the paper `linked`."""
        entry = Entry(title=line.text, line=line.number)
        entry.arxiv_id = linked
        entry.links.update(paper_links(line.links))
        if self.pending_upvotes is not None:
            count, _, upvote_links = self.pending_upvotes
            entry.upvotes = count
            entry.arxiv_id = entry.arxiv_id or paper_id(upvote_links)
            self.pending_upvotes = None
        entry.submitted_by, self.pending_submitter = self.pending_submitter, None
        self.card = _Card(entry, strong=strong, title_lines=[line.number])
        self.cards.append(self.card)

    def _add_abstract(self, line: Line, join: bool) -> None:
        entry = self.card.entry
        if join and entry.abstract:
            entry.abstract[-1] = f"{entry.abstract[-1]} {line.text}"
        else:
            entry.abstract.append(line.text)
        for name, url in paper_links(line.links).items():
            entry.links.setdefault(name, url)

    def _is_organisation(self, line: Line, following, following_line) -> bool:
        card = self.card
        if card.entry.org_account is not None or card.entry.date is not None or \
                len(line.text) > LONGEST_METADATA or not (card.entry.abstract or card.metadata) or \
                line.text.endswith(SENTENCE_END):
            return False
        if following is None or following.name not in ("separator", "date"):
            return False
        return following.name == "separator" or bool(account_of(line.links)) or card.strong

    def _continues_title(self, line: Line, following, following_line) -> bool:
        """A title wrapped over two lines, in a card whose start is certain."""
        card = self.card
        if not (card.strong or self.markdown) or line.after_blank or is_abstract_like(line.text):
            return False
        if line.links and paper_id(line.links) not in (None, card.entry.arxiv_id):
            return False
        return word_count(line.text) < 12 and len(card.title_lines) < 3 and \
            not card.entry.title.endswith(SENTENCE_END)

    @staticmethod
    def _wraps_on(line: Line, following, following_line) -> bool:
        """The first line of a hard-wrapped abstract: long, and the next goes on mid-sentence."""
        return following is not None and following.name == "text" and \
            not following_line.after_blank and len(line.text) >= 40 and \
            following_line.text[0].islower()

    def _continues_abstract(self, line: Line) -> bool:
        """A paragraph of the abstract, or a hard-wrapped line of it."""
        if is_abstract_like(line.text):
            return True
        if line.after_blank:
            return self.card.strong and word_count(line.text) >= 12
        last = self.card.entry.abstract[-1]
        # Plain text puts a title right under an abstract (cut short, often mid-word); a line
        # wrapped out of the abstract goes on mid-sentence.
        return self.markdown or line.text[0].islower() or last.endswith(("-", ",", ";", ":"))


def glued_chrome(lines: list[Line]) -> None:
    """`SubscribeHow do neurons…`: chrome a copy-paste glued to the first title, split off."""
    for line in lines[:12]:
        for prefix in GLUED_CHROME_PREFIXES:
            rest = line.text[len(prefix):]
            if line.text.startswith(prefix) and rest and not rest[0].islower() and rest[0] != " ":
                line.text = rest.strip()
                return


def entries_of(cards: list[_Card], dump: Dump) -> list[Entry]:
    """The cards that are papers; the rest recorded as skipped lines, each with why."""
    entries = []
    # In a listing whose cards are marked (upvotes, headings, links), text before the first
    # paper is the page's own (a search query, a menu); in plain text it may be a paper.
    marked = any(card.strong for card in cards)
    seen_paper = not marked
    for card in cards:
        entry = card.entry
        entry.title = entry.title.strip()
        reason = junk_reason(entry.title)
        if entry.arxiv_id and (reason in ("code", "a sentence fragment") or reason == "markup"
                               and not LINK_SYNTAX.search(entry.title)):
            reason = None  # `#InsTag: …`, `$\\pi_0$: …`: a card with its paper's id is a paper
        if reason is None and not seen_paper and not entry.abstract and not entry.arxiv_id and \
                entry.authors is None and entry.upvotes is None and entry.org_account is None:
            reason = "no abstract, before the first paper"
        if reason is None and marked and not entry.abstract and not entry.has_metadata and \
                word_count(entry.title) <= 2 and not entry.arxiv_id:
            reason = "too short for a title, with no abstract"
        if reason:
            dump.skipped.append((entry.line, f"{shorten(entry.title)} ({reason})"))
            continue
        seen_paper = True
        entries.append(entry)
        if not entry.abstract:
            dump.diagnostics.append(warning(dump.path, entry.line,
                                            f"title has no abstract: {shorten(entry.title)}"))
    return entries
