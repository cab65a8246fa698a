"""Paper cards out of a listing's logical lines, in every order listings print them.

The seeds print a card as title, abstract, then metadata (`• 3 authors` or an
organisation line, `·`, and `Jun 12 2`: date and upvotes).  Today's page puts the
upvote count first (`[101](…login…)`, `[-] 1`, a number alone), then the title,
the abstract, the authors or organisation, `·`, the date and a comment count.
Each line is classified (`parse_kinds`: chrome, upvotes, date, authors, …) and a
small state machine groups them into `Entry`s; links that belong to a paper (its
Hugging Face page, arXiv, PDF, code) give its arXiv id.  Hard-wrapped plain text
is read at the column it wraps at, so that a wrapped title or abstract is one.
Then whatever is not a paper (a "title" that is a URL, markup, a number, a date,
a menu word or a sentence fragment) is set aside as skipped, and a card shown
twice is one paper.  Pure: lines in, entries out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .capture import SENTENCE_END, Dump, Entry, is_abstract_like, shorten, word_count
from ..errors import warning
from .parse_kinds import (AUTHORS, CHROME_LINE, KINDS, LINK_SYNTAX, LONGEST_METADATA, METADATA_KINDS,
                          TEXT, Kind, account_of, classify_all, junk_reason, paper_id, paper_links)
from .parse_lines import Line

MAX_WRAP_WIDTH = 160  # wider than any terminal or text export wraps
# Chrome that a copy-paste may glue to the first title, as in "SubscribeHow do…".
GLUED_CHROME_PREFIXES = ("Subscribe", "Daily Papers", "byAK and the research community")


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
        self.width: int | None = None  # the column a hard-wrapped plain-text capture wraps at
        self.previous: Line | None = None  # the line read before this one
        self.blocks = True

    def warn(self, line: int | None, message: str) -> None:
        self.dump.diagnostics.append(warning(self.dump.path, line, message))

    def read(self, lines: list[Line]) -> list[_Card]:
        kinds = classify_all(lines)
        self.width = None if self.markdown else wrap_width(lines)
        if self.width is not None:
            metadata = [line.after_blank for line, kind in zip(lines, kinds) if kind.name in METADATA_KINDS]
            self.blocks = sum(metadata) * 2 > len(metadata)  # blank lines part a card's blocks
        for index, kind in enumerate(kinds):
            if kind is CHROME_LINE:
                self._reclassify_after_chrome(lines, kinds, index)
        handlers = {name: getattr(self, f"_on_{name}") for name in KINDS}
        kinds.append(None)
        lines.append(None)
        try:
            for index, kind in enumerate(kinds[:-1]):
                handlers[kind.name](lines[index], kind, kinds[index + 1], lines[index + 1])
                self.previous = lines[index]
        finally:
            lines.pop()
        return self.cards

    def _reclassify_after_chrome(self, lines: list[Line], kinds: list[Kind], index: int) -> None:
        """What a line of chrome changes about its neighbours: "new" is chrome only at the top
        (over the banner); a banner wrapped over two lines is chrome on both; the number
        under an `Upvote` button is its count."""
        line = lines[index]
        following = kinds[index + 1] if index + 1 < len(lines) else None
        if index and len(line.text) == 3 and line.text.lower() == "new":
            after = lines[index + 1].text.lower() if following else ""
            if not after.startswith("get trending papers"):
                kinds[index] = TEXT
        elif following is TEXT and not lines[index + 1].after_blank and \
                fills(line, lines[index + 1], self.width):
            kinds[index + 1] = CHROME_LINE
        elif following is not None and following.name == "number" and line.text.lower() == "upvote":
            kinds[index + 1] = Kind("button", following.value)

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
        self._on_button(line, kind, following, following_line)

    def _on_button(self, line, kind, following, following_line) -> None:
        """A count under a card that has none yet is its own (the trending page puts its
        `Upvote 117` button below the card); otherwise it is the next card's."""
        card = self.card
        if card and card.entry.date_line and card.entry.abstract and card.entry.upvotes is None and \
                self.pending_upvotes is None:
            card.entry.upvotes = kind.value
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
                if number is not None and card is None:  # `Oct 2 101`: the first card's count
                    self.pending_upvotes = (number, line.number, [])
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
        elif linked:
            self._on_linked_text(line, linked, kind, following, following_line)
        elif card is not None and self._is_organisation(line, following, following_line):
            self._set_organisation(line)
        elif card is not None and not card.metadata and not card.entry.abstract:
            if self._continues_title(line, following, following_line):
                card.entry.title = joined(card.entry.title, line.text)
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

    def _on_linked_text(self, line, linked: str, kind, following, following_line) -> None:
        """Text that links to a paper: a new card's title, or the current card's own text."""
        card = self.card
        if card is None or linked != card.entry.arxiv_id:
            self._start(line, linked, strong=True)
        elif card.entry.abstract and card.entry.org_account is None and account_of(line.links) and \
                len(line.text) <= LONGEST_METADATA and not line.text.endswith(SENTENCE_END):
            self._set_organisation(line)  # a daily card's organisation, inside its paper link
        elif not card.metadata or not card.entry.abstract and word_count(line.text) >= 12:
            self._add_abstract(line, join=bool(card.entry.abstract))
        elif line.text == card.entry.title:  # the card shown again (a page's second layout)
            self._start(line, linked, strong=True)
        else:
            self._on_resources(line, kind, following, following_line)  # the card's own links

    # --- helpers --------------------------------------------------------------------------

    def _set_organisation(self, line: Line) -> None:
        entry = self.card.entry
        account = account_of(line.links)
        handle, _, rest = line.text.partition(" ")
        if account is None and line.alt is None and rest and not line.links and \
                handle[:3].lower() == rest.replace(" ", "")[:3].lower():
            account, name = handle, rest.strip()  # the seeds: `pathwaycom Pathway`
        else:
            account, name = account or line.alt or line.text, line.text
        entry.org_account, entry.org_name = account, name
        self.card.metadata = True

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
            entry.abstract[-1] = joined(entry.abstract[-1], line.text)
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
        return following.name == "separator" or following_line.text.startswith("·") or \
            bool(account_of(line.links)) or card.strong

    def _continues_title(self, line: Line, following, following_line) -> bool:
        """A title wrapped over two lines, in a card whose start is certain or in a capture
        hard-wrapped at a known column whose title line was full."""
        card = self.card
        if line.after_blank or is_abstract_like(line.text):
            return False
        if self.width is not None:
            if self._ends_title_block(line, following_line):
                pass  # a title set larger than the abstract wraps at a narrower column (a printout)
            elif not fills(self.previous, line, self.width) or not self.blocks and \
                    following is not None and following.name == "text" and \
                    not following_line.after_blank and fills(line, following_line, self.width):
                return False  # in a capture without blank lines, a full line here starts the abstract
        elif not (card.strong or self.markdown):
            return False
        if line.links and paper_id(line.links) not in (None, card.entry.arxiv_id):
            return False
        return word_count(line.text) < 12 and len(card.title_lines) < 3 and \
            not card.entry.title.endswith(SENTENCE_END)

    def _ends_title_block(self, line: Line, following_line: Line | None) -> bool:
        """`line` ends the block a card started by its upvote count gives its title: what
        follows it comes after a blank line."""
        return self.card.strong and self.card.entry.upvotes is not None and \
            (following_line is None or following_line.after_blank)

    def _wraps_on(self, line: Line, following, following_line) -> bool:
        """The first line of a hard-wrapped abstract: long, and the next goes on mid-sentence
        or would not have fitted on it, or (Markdown, whose tools wrap a paragraph's lines
        at a column: html2text, pandoc) goes on in the same paragraph and is no abstract itself."""
        return following is not None and following.name == "text" and \
            not following_line.after_blank and len(line.text) >= 40 and \
            (following_line.text[0].islower() or fills(line, following_line, self.width) or
             self.markdown and not (following_line.heading or following_line.listed) and
             not is_abstract_like(following_line.text))

    def _continues_abstract(self, line: Line) -> bool:
        """A paragraph of the abstract, or a hard-wrapped line of it."""
        if is_abstract_like(line.text):
            return True
        last = self.card.entry.abstract[-1]
        if line.after_blank:  # a new paragraph, or the sentence a page break cut going on
            return self.card.strong and (word_count(line.text) >= 12 or
                                         line.text[0].islower() and not last.endswith(SENTENCE_END))
        # Plain text puts a title right under an abstract (cut short, often mid-word); a line
        # wrapped out of the abstract goes on mid-sentence, or did not fit on the line before.
        return self.markdown or line.text[0].islower() or last.endswith(("-", ",", ";", ":")) or \
            fills(self.previous, line, self.width)


def wrap_width(lines: list[Line]) -> int | None:
    """The column a hard-wrapped plain-text capture (w3m, lynx, pandoc's plain text, a
    browser's "save as text") was wrapped at; None when each paragraph is a line of its own.
    Wrapped prose fills its lines to nearly the same length, and no longer."""
    lengths = sorted(line.columns or len(line.text) for line in lines if len(line.text) >= 30)
    if len(lengths) < 5:
        return None
    width = lengths[(len(lengths) - 1) * 95 // 100]  # a few unbreakable lines run past it
    near = sum(1 for length in lengths if width - 20 < length <= width)
    return width if width <= MAX_WRAP_WIDTH and near * 5 >= len(lengths) * 2 else None


def fills(line: Line | None, following: Line, width: int | None) -> bool:
    """`line` was broken by wrapping: the first word of `following` would not have fitted."""
    if width is None or line is None:
        return False
    return (line.columns or len(line.text)) + 1 + len(following.text.split(" ", 1)[0]) > width


def joined(text: str, wrapped: str) -> str:
    """Two lines of one paragraph as one: a word broken at its hyphen (`OCC-` / `RAG`) is one."""
    if text.endswith("-") and len(text) > 1 and text[-2].isalnum() and wrapped[:1].isalnum():
        return text + wrapped
    return f"{text} {wrapped}"


def glued_chrome(lines: list[Line]) -> None:
    """`SubscribeHow do neurons…`: chrome a copy-paste glued to the first title, split off."""
    for line in lines[:12]:
        for prefix in GLUED_CHROME_PREFIXES:
            rest = line.text[len(prefix):]
            if line.text.startswith(prefix) and rest and not rest[0].islower() and rest[0] != " ":
                line.text = rest.strip()
                return


def _vouched_for(entry: Entry, reason: str) -> bool:
    """`#InsTag: …`, `"Give Me BF16 …"`, `$\\pi_0$: …`: a card with its paper's id is a paper,
    and so is a whole card (an abstract and the card's metadata) whose title looks like code."""
    whole = entry.abstract and entry.has_metadata
    if reason == "markup":
        return bool(entry.arxiv_id or whole) and not LINK_SYNTAX.search(entry.title)
    return bool(entry.arxiv_id or whole and reason == "code")


def _repeats(seen: dict[tuple[str, str], Entry], entry: Entry) -> bool:
    """A card the page showed twice (two layouts of one list) is one paper: the first keeps
    what it has and takes what only the second shows.  `seen`: the first of each (id, title)."""
    if not entry.arxiv_id:
        return False
    first = seen.setdefault((entry.arxiv_id, entry.title), entry)
    if first is entry:
        return False
    for name in ("abstract", "authors", "org_account", "org_name", "date", "date_line", "upvotes",
                 "comments", "submitted_by"):
        if getattr(first, name) in (None, []):
            setattr(first, name, getattr(entry, name))
    for name, url in entry.links.items():
        first.links.setdefault(name, url)
    return True


def entries_of(cards: list[_Card], dump: Dump) -> list[Entry]:
    """The cards that are papers; the rest recorded as skipped lines, each with why."""
    entries = []
    seen: dict[tuple[str, str], Entry] = {}
    # In a listing whose cards are marked (upvotes, headings, links), text before the first
    # paper is the page's own (a search query, a menu); in plain text it may be a paper.
    marked = any(card.strong for card in cards)
    seen_paper = not marked
    for card in cards:
        entry = card.entry
        entry.title = entry.title.strip()
        reason = junk_reason(entry.title)
        if reason in ("code", "a sentence fragment", "markup") and _vouched_for(entry, reason):
            reason = None
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
        if _repeats(seen, entry):
            continue
        entries.append(entry)
        if not entry.abstract:
            dump.diagnostics.append(warning(dump.path, entry.line,
                                            f"title has no abstract: {shorten(entry.title)}"))
    return entries
