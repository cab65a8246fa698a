"""“Similar papers”: the nearest papers by TF-IDF cosine over title and abstract.

The vocabulary is every term (stopwords aside) found in at most
`MAX_DOCUMENT_FREQUENCY` papers: a term shared by hundreds of papers says
nothing about which two belong together, and leaving such terms out keeps the
work linear in the number of papers.  Vectors are L2-normalised over that
vocabulary and multiplied as a sparse matrix, with NumPy: each term is in at
most `MAX_DOCUMENT_FREQUENCY` papers, so a paper's scores are sums over the few
papers that share a term with it (`_pair_scores`), never a row of every paper.
Ties break on the slug, so the result is deterministic.

A term's weight is log(N / df) + 1 with two roundings that change it little
and let a rebuild start from the last answer: N is the number of papers rounded
up to a power of two, and df, the number of papers holding the term, is counted
in bands a factor √2 wide.  A corrected title then changes the vectors of the
edited paper and of the few papers that share a term whose band moved, and
only the papers near those are worked out again (`Similarity.update`); the
answer is exactly the one a first build gives.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # NumPy is imported where it is used: `--help` skips it
    import numpy as np

STOPWORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having here how however i if in into is it its itself just may more most much must no nor
not of off on once only or other our out over own same several should so some such than that the
their them then there these they this those through thus to too under until up upon very via was
we were what when where which while who whom why will with within without would yet you your
paper propose proposed show shows using use used based approach new method methods results
""".split())

TITLE_WEIGHT = 2
MAX_DOCUMENT_FREQUENCY = 200
BLOCK_CELLS = 1 << 17  # rows x papers whose scores `_sums` adds up at a time: 1 MB, in cache
BATCH_PRODUCTS = 1 << 17  # products `_pair_scores` works out at a time
# Past this share of papers to work out again, all are (the bookkeeping would cost more).
INCREMENTAL_SHARE = 0.5
NEAREST = 5
# Papers whose words are split and counted together: every word of a batch is a string
# in memory at once (about 200 a paper).
PAPERS_PER_COUNT = 5000
PARTS = 64  # of a row's pairs, to rule out most of them before sorting (`_best`)

# Byte -> itself for ASCII letters and digits, else a space: after folding and lower
# casing, splitting the translated text gives the runs of [a-z0-9], as a regular
# expression would, five times faster.
_WORD_BYTES = bytes(code if chr(code).isascii() and chr(code).isalnum() else 32 for code in range(256))


def _meaningless(word: str) -> bool:
    return len(word) < 2 or word in STOPWORDS or word.isdigit()


def _words(texts: list[str]) -> tuple[list[str], str]:
    """The words of every text, in order, each text followed by a marker word (returned
    too) that no text contains; the words are split once from all texts joined."""
    # Accents and ligatures folded to ASCII (the rest dropped), lower case, split at
    # anything but a letter or a digit.
    folded = [text if text.isascii() else unicodedata.normalize("NFKD", text) for text in texts]
    for attempt in range(100):
        marker = f"sitegenbreak{attempt}"
        joined = f" {marker} ".join(folded) + f" {marker}"
        words = joined.encode("ascii", "ignore").lower().translate(_WORD_BYTES).decode("ascii").split()
        if words.count(marker) == len(texts):
            return words, marker
    raise AssertionError("no marker word is free")  # a hundred in every text: not real input


def _paragraphs(abstract: str | Iterable[str]) -> tuple[str, ...]:
    return (abstract,) if isinstance(abstract, str) else tuple(abstract)


def _band(frequency: int) -> int:
    """The band of a document frequency: b with 2^b <= df² < 2^(b+1)."""
    return (frequency * frequency).bit_length() - 1


@dataclass
class Similarity:
    """Each paper's nearest papers, and what they were worked out from."""

    nearest: dict[str, list[str]] = field(default_factory=dict)
    scores: dict[str, list[float]] = field(default_factory=dict)  # of the nearest, rounded
    # slug -> (title, abstract's paragraphs): compared, not hashed, as a paper's strings are
    # the parsed dump's own (the same objects, quick to compare; stored once in the cache)
    texts: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)  # every meaningful word seen -> number
    # Every paper's words (numbers, each paper's in alphabetical order) and their weighted
    # counts, papers one after the other; `spans` tells where each paper's are.  (Two
    # arrays rather than two per paper: the build cache loads them in a few milliseconds.)
    word_of_pair: "np.ndarray | None" = None
    tf: "np.ndarray | None" = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    norms: dict[str, float] = field(default_factory=dict)
    signature: "np.ndarray | None" = None  # per word: its df band, -1 when out of the vocabulary
    papers: int = 0  # N rounded up to a power of two

    def as_plain(self) -> dict:
        """Its fields as builtins and NumPy arrays, which the build cache keeps."""
        return {name.name: getattr(self, name.name) for name in fields(self)}

    @classmethod
    def from_plain(cls, plain: dict | None) -> Similarity | None:
        """What `as_plain` gave (None for None)."""
        return cls(**plain) if plain is not None else None

    def update(self, documents: dict[str, tuple[str, str | Iterable[str]]]) -> Similarity:
        """The answer for `documents` (slug -> (title, abstract or its paragraphs)), from
        this one."""
        slugs = sorted(documents)
        texts = {slug: (documents[slug][0], _paragraphs(documents[slug][1])) for slug in slugs}
        if texts == self.texts:
            return self
        result = Similarity(texts=texts, words=dict(self.words),
                            papers=1 << max(len(slugs) - 1, 1).bit_length())
        changed = [slug for slug in slugs if self.texts.get(slug) != texts[slug]]
        position = {slug: row for row, slug in enumerate(slugs)}
        result._count(slugs, changed, self)
        fresh = self.papers != result.papers or self.signature is None
        affected = result._affected(slugs, position, changed, None if fresh else self)
        matrix = result._matrix(slugs, affected, self)
        redo = affected if fresh else self._to_redo(slugs, position, affected)
        result._find_nearest(slugs, position, matrix, affected, redo, self)
        return result

    def _count(self, slugs: list[str], changed: list[str], previous: Similarity) -> None:
        """Every paper's word counts (the changed papers' counted afresh), and each word's
        band of document frequency."""
        import numpy as np

        # The previous answer's arrays, then each batch's counts: where each paper's are.
        numbers = [previous.word_of_pair if previous.word_of_pair is not None else np.zeros(0, np.int64)]
        counts = [previous.tf if previous.tf is not None else np.zeros(0)]
        where = dict(previous.spans)
        for start in range(0, len(changed), PAPERS_PER_COUNT):  # a batch's words at a time
            batch = changed[start:start + PAPERS_PER_COUNT]
            found = _count_words([(self.texts[slug][0], " ".join(self.texts[slug][1])) for slug in batch],
                                 self.words)
            bounds = np.concatenate(([0], np.cumsum(found[2]))) + sum(map(len, numbers))
            where.update(zip(batch, zip(bounds.tolist(), bounds[1:].tolist())))
            numbers.append(found[0])
            counts.append(found[1])
        starts, ends = np.array([where[slug] for slug in slugs], dtype=np.int64).reshape(-1, 2).T
        taken = _ranges(starts, ends - starts)
        self.word_of_pair, self.tf = np.concatenate(numbers)[taken], np.concatenate(counts)[taken]
        ends = np.cumsum(ends - starts)
        self.spans = dict(zip(slugs, zip(np.concatenate(([0], ends[:-1])).tolist(), ends.tolist())))
        frequency = np.bincount(self.word_of_pair, minlength=len(self.words))
        bands = np.array([_band(n) for n in range(MAX_DOCUMENT_FREQUENCY + 1)], dtype=np.int64)
        self.signature = np.where((frequency > 0) & (frequency <= MAX_DOCUMENT_FREQUENCY),
                                  bands[np.minimum(frequency, MAX_DOCUMENT_FREQUENCY)], -1)

    def _paper_of_pair(self, slugs: list[str]) -> "np.ndarray":
        import numpy as np

        return np.repeat(np.arange(len(slugs)), [end - start for start, end in
                                                 (self.spans[slug] for slug in slugs)])

    def _affected(self, slugs: list[str], position: dict[str, int], changed: list[str],
                  previous: Similarity | None) -> "np.ndarray":
        """Which papers' vectors differ from `previous` (all, without one): those whose
        text changed and those holding a word whose weight moved."""
        import numpy as np

        affected = np.full(len(slugs), previous is None)
        if previous is not None:
            before = np.full(len(self.words), -1, dtype=np.int64)
            before[:len(previous.signature)] = previous.signature
            moved = (self.signature != before)[self.word_of_pair]
            affected[self._paper_of_pair(slugs)[moved]] = True
            affected[[position[slug] for slug in changed]] = True
        return affected

    def _matrix(self, slugs: list[str], affected: "np.ndarray", previous: Similarity):
        """The papers' unit vectors as a sparse matrix, one row per paper.  Columns are
        word numbers; each row lists its words alphabetically, and a dot product sums in
        its row's order, so a pair's score is the same float whichever of the two rows
        it is computed from, in this build or the next."""
        import numpy as np

        total = len(slugs)
        kept = self.signature[self.word_of_pair] >= 0
        top_band = _band(MAX_DOCUMENT_FREQUENCY)
        idf_of_band = np.array([math.log(self.papers) - band / 2 * math.log(2) + 1.0
                                for band in range(top_band + 1)])
        tf = self.tf[kept]
        distinct_tf = np.unique(tf)
        log_tf = np.array([math.log(value) for value in distinct_tf.tolist()])
        paper_of_entry, word_of_entry = self._paper_of_pair(slugs)[kept], self.word_of_pair[kept]
        weights = (1.0 + log_tf[np.searchsorted(distinct_tf, tf)]) * idf_of_band[self.signature[word_of_entry]]
        row_starts = np.concatenate(([0], np.cumsum(np.bincount(paper_of_entry, minlength=total))))
        squares = weights * weights
        bounds = row_starts.tolist()
        for row in np.flatnonzero(affected).tolist():  # summed in order: the same on any platform
            self.norms[slugs[row]] = math.sqrt(sum(squares[bounds[row]:bounds[row + 1]].tolist())) or 1.0
        self.norms.update((slug, previous.norms[slug]) for slug in slugs if slug not in self.norms)
        norm_of_row = np.array([self.norms[slug] for slug in slugs]) if total else np.zeros(0)
        data = weights / norm_of_row[paper_of_entry] if total else weights
        return _Vectors(row_starts, word_of_entry, data, max(len(self.words), 1))

    def _to_redo(self, slugs: list[str], position: dict[str, int],
                 affected: "np.ndarray") -> "np.ndarray":
        """The papers to work out again: those whose vectors changed, and those whose
        nearest include one or a removed paper.  For the others, only a changed paper
        can enter their list."""
        redo = affected.copy()
        moved = {slugs[row] for row in affected.nonzero()[0].tolist()}
        moved.update(slug for slug in self.nearest if slug not in position)  # removed
        nearest = self.nearest
        for row, slug in enumerate(slugs):
            before = nearest.get(slug)
            if before is None or not moved.isdisjoint(before):
                redo[row] = True
        if redo.sum() > INCREMENTAL_SHARE * len(slugs):
            redo[:] = True
        return redo

    def _find_nearest(self, slugs: list[str], position: dict[str, int], matrix,
                      affected: "np.ndarray", redo: "np.ndarray", previous: Similarity) -> None:
        import numpy as np

        offers = []  # (paper, changed paper, score) of the papers not worked out again
        worked_out = np.flatnonzero(redo)
        for row in worked_out.tolist():
            self.nearest[slugs[row]], self.scores[slugs[row]] = [], []
        offering = not redo.all()  # (a first build works out every paper)
        for chosen, rows, others, scores in _pair_scores(matrix, worked_out):
            if offering:
                offers.append(_offers(chosen[rows], others, scores, affected, redo))
            rows, others, scores = _best(rows, others, scores)
            for row, other, score in zip(chosen[rows].tolist(), others.tolist(), scores.tolist()):
                self.nearest[slugs[row]].append(slugs[other])
                self.scores[slugs[row]].append(score)
        for slug in slugs:
            if slug not in self.nearest:
                self.nearest[slug], self.scores[slug] = previous.nearest[slug], previous.scores[slug]
        if offers:
            _take_offers(self, slugs, position, *map(np.concatenate, zip(*offers)))
        self.nearest = {slug: self.nearest[slug] for slug in slugs}


def _offers(rows: "np.ndarray", others: "np.ndarray", scores: "np.ndarray", affected: "np.ndarray",
            redo: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """(paper, changed paper, score) of each pair a changed paper makes with a paper not
    worked out again, once, from `_pair_scores`' products."""
    import numpy as np

    offered = affected[rows] & ~redo[others] & (scores > 1e-12)
    _, first = np.unique(rows[offered] * len(redo) + others[offered], return_index=True)
    return others[offered][first], rows[offered][first], np.round(scores[offered][first], 12)


def _take_offers(result: Similarity, slugs: list[str], position: dict[str, int],
                 papers: "np.ndarray", changed: "np.ndarray", scores: "np.ndarray") -> None:
    """Changed papers offered to the papers they now score with (a score is the same from
    either side): one enters a list if it ranks above the list's last."""
    import numpy as np

    last = np.array([values[-1] if len(values) == NEAREST else 0.0
                     for values in (result.scores[slug] for slug in slugs)])
    contending = scores >= last[papers]
    for paper, row, score in zip(papers[contending].tolist(), changed[contending].tolist(),
                                 scores[contending].tolist()):
        slug = slugs[paper]
        ranked = sorted([*zip(result.scores[slug], map(position.__getitem__, result.nearest[slug])),
                         (score, row)], key=lambda pair: (-pair[0], pair[1]))[:NEAREST]
        result.nearest[slug] = [slugs[index] for _, index in ranked]
        result.scores[slug] = [value for value, _ in ranked]


@dataclass
class _Vectors:
    """The papers' unit vectors, a sparse matrix by rows: row r's entries are
    `words[starts[r]:starts[r + 1]]` with their `weights`."""

    starts: "np.ndarray"
    words: "np.ndarray"
    weights: "np.ndarray"
    columns: int  # words in the vocabulary


def _pair_scores(vectors: _Vectors, rows: "np.ndarray"):
    """For a few of `rows` at a time: those rows, and for each product of a word's weights
    in two papers, its row (a position among those rows), the other paper and the score of
    the pair (`_sums`).  A pair comes once per word its papers share and a row's pairs
    together."""
    import numpy as np

    papers = len(vectors.starts) - 1
    paper_of_entry = np.repeat(np.arange(papers), np.diff(vectors.starts))
    order = np.argsort(vectors.words, kind="stable")  # the postings of each word, by paper
    posting_papers, posting_weights = paper_of_entry[order], vectors.weights[order]
    frequency = np.bincount(vectors.words, minlength=vectors.columns)
    word_starts = np.concatenate(([0], np.cumsum(frequency)))
    per_block = max(1, min(len(rows), BLOCK_CELLS // max(papers, 1)))
    products_per_row = max(1.0, frequency[vectors.words].sum() / max(papers, 1))
    per_batch = per_block * max(1, int(BATCH_PRODUCTS / products_per_row / per_block))
    block = np.zeros(per_block * papers)
    for start in range(0, len(rows), per_batch):
        chosen = rows[start:start + per_batch]
        lengths = vectors.starts[chosen + 1] - vectors.starts[chosen]
        entries = _ranges(vectors.starts[chosen], lengths)
        words = vectors.words[entries]
        counts = word_starts[words + 1] - word_starts[words]
        postings = _ranges(word_starts[words], counts)
        row_of_product = np.repeat(np.repeat(np.arange(len(chosen)), lengths), counts)
        others = posting_papers[postings]
        products = np.repeat(vectors.weights[entries], counts) * posting_weights[postings]
        yield chosen, row_of_product, others, _sums(block, papers, chosen, row_of_product, others, products)


def _sums(block: "np.ndarray", papers: int, chosen: "np.ndarray", rows: "np.ndarray",
          others: "np.ndarray", products: "np.ndarray") -> "np.ndarray":
    """Each product's pair score: the sum of the pair's products in their order (that of
    the row's words, as a sparse product adds them: the same float from either paper of the
    pair), 0 for a paper with itself.  They are added up in `block` (zeros, and left zeros),
    a cell per paper for the few rows that fit it: small enough to stay in the processor's
    cache, where the scattered additions are several times cheaper than in a block for
    every row of `chosen`."""
    import numpy as np

    per_block = len(block) // papers
    cells = rows * papers + others
    scores = np.empty(len(products))
    bounds = np.searchsorted(rows, np.arange(0, len(chosen) + per_block, per_block)).tolist()
    for first, low, high in zip(range(0, len(chosen), per_block), bounds, bounds[1:]):
        in_block = cells[low:high] - first * papers
        np.add.at(block, in_block, products[low:high])
        mine = chosen[first:first + per_block]
        block[np.arange(len(mine)) * papers + mine] = 0.0
        np.take(block, in_block, out=scores[low:high])
        block[in_block] = 0.0
    return scores


def _ranges(starts: "np.ndarray", lengths: "np.ndarray") -> "np.ndarray":
    """The indices start, start + 1, ... of each (start, length), one after the other."""
    import numpy as np

    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def _best(rows: "np.ndarray", others: "np.ndarray", scores: "np.ndarray"):
    """(row, other, score) of each row's NEAREST best scores above 0, rounded, best first,
    ties broken by the lower paper number; the pairs come grouped by row, a pair as many
    times as `_pair_scores` gives it."""
    import numpy as np

    if len(rows) == 0:
        return rows, others, scores
    starts, lengths = _runs(rows)
    # A row's pairs cut into PARTS parts: the NEAREST-th largest of the parts' best scores,
    # each value counted once (different scores are different pairs), is at most the row's
    # NEAREST-th best, so only pairs scoring about that much (less what rounding takes) are sorted.
    cuts = (starts[:, None] + lengths[:, None] * np.arange(PARTS) // PARTS).ravel()
    best_of_parts = np.sort(np.maximum.reduceat(scores, cuts).reshape(-1, PARTS), axis=1)[:, ::-1]
    new = np.ones(best_of_parts.shape, dtype=bool)
    new[:, 1:] = best_of_parts[:, 1:] != best_of_parts[:, :-1]
    floor = np.where(new.cumsum(axis=1) == NEAREST, best_of_parts, -np.inf).max(axis=1)
    candidate = np.flatnonzero(scores >= np.repeat(np.maximum(floor - 1e-11, 1e-12), lengths))
    rows, others, scores = rows[candidate], others[candidate], scores[candidate]
    above_zero = scores > 1e-12
    # (the last bits of a sum are noise that must not decide an order)
    rows, others, scores = rows[above_zero], others[above_zero], np.round(scores[above_zero], 12)
    order = np.lexsort((others, -scores, rows))
    rows, others, scores = rows[order], others[order], scores[order]
    once = np.ones(len(rows), dtype=bool)  # a pair's first time
    once[1:] = (rows[1:] != rows[:-1]) | (others[1:] != others[:-1])
    rows, others, scores = rows[once], others[once], scores[once]
    rank = np.arange(len(rows)) - np.repeat(*_runs(rows))
    chosen = rank < NEAREST
    return rows[chosen], others[chosen], scores[chosen]


def _runs(rows: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Where each run of equal values in `rows` starts, and its length."""
    import numpy as np

    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    return starts, np.diff(np.append(starts, len(rows)))


def _count_words(texts: list[tuple[str, str]],
                 words: dict[str, int]) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """The numbers of each text pair's meaningful words (each pair's in alphabetical order,
    pairs one after the other), their counts (a title word counting TITLE_WEIGHT), and how
    many each pair has; new words are numbered into `words`."""
    import numpy as np

    if not texts:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)
    # Abstract and title of paper n are texts 2n and 2n + 1.
    found, marker = _words([text for pair in texts for text in reversed(pair)])
    rank = dict.fromkeys(found, -1)
    names = sorted(word for word in rank if word != marker and not _meaningless(word))
    rank.update((word, n) for n, word in enumerate(names))
    rank[marker] = -2
    ranks = np.fromiter(map(rank.__getitem__, found), dtype=np.int64, count=len(found))
    is_marker = ranks == -2
    text_of_word = np.cumsum(is_marker, dtype=np.int64) - is_marker
    kept = ranks >= 0
    ranks, text_of_word = ranks[kept], text_of_word[kept]
    width = max(len(names), 1)
    pairs, pair_of_word = np.unique(text_of_word // 2 * width + ranks, return_inverse=True)
    tf = np.bincount(pair_of_word, weights=np.where(text_of_word % 2 == 1, TITLE_WEIGHT, 1))
    paper_of_pair, rank_of_pair = np.divmod(pairs, width)
    for name in names:
        words.setdefault(name, len(words))
    number_of_rank = np.array([words[name] for name in names], dtype=np.int64)
    numbers = number_of_rank[rank_of_pair] if len(names) else rank_of_pair
    return numbers, tf, np.bincount(paper_of_pair, minlength=len(texts))


def similar_papers(documents: dict[str, tuple[str, str | Iterable[str]]],
                   previous: Similarity | None = None) -> Similarity:
    """slug -> (title, abstract or its paragraphs) in; each paper's up to NEAREST nearest slugs out (in
    `.nearest`), worked out from `previous` where it tells what is unchanged."""
    return (previous or Similarity()).update(documents)
