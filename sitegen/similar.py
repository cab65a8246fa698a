"""“Similar papers”: the nearest papers by TF-IDF cosine over title and abstract.

The vocabulary is every term (stopwords aside) found in at most
`MAX_DOCUMENT_FREQUENCY` papers: a term shared by hundreds of papers says
nothing about which two belong together, and leaving such terms out keeps the
work linear in the number of papers.  Vectors are L2-normalised over that
vocabulary and multiplied as a sparse matrix (SciPy does in C what would take
minutes in Python at 10,000 papers).  Ties break on the slug, so the result is
deterministic.
"""

from __future__ import annotations

import math
import re
import unicodedata

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
ROWS_PER_BLOCK = 2048


WORD = re.compile(r"[a-z0-9]+")


def _fold(text: str) -> str:
    """ASCII, lower case: accents and ligatures folded, the rest dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _meaningless(word: str) -> bool:
    return len(word) < 2 or word in STOPWORDS or word.isdigit()


def _words(texts: list[str]) -> tuple[list[str], str]:
    """The words of every text, in order, each text followed by a marker word (returned
    too) that no text contains; folding runs once over all texts joined."""
    for attempt in range(100):
        marker = f"sitegenbreak{attempt}"
        words = WORD.findall(_fold(f" {marker} ".join(texts) + f" {marker}"))
        if words.count(marker) == len(texts):
            return words, marker
    raise AssertionError("no marker word is free")  # a hundred in every text: not real input


def similar_papers(documents: dict[str, tuple[str, str]], count: int = 5) -> dict[str, list[str]]:
    """slug -> (title, abstract) in; slug -> up to `count` nearest slugs out."""
    import numpy as np  # imported here: a fifth of a second that `check` and `--help` need not pay
    from scipy import sparse

    slugs = sorted(documents)
    total = len(slugs)
    if total < 2:
        return {slug: [] for slug in slugs}
    # Abstract and title of paper n are texts 2n and 2n + 1; a title word counts TITLE_WEIGHT.
    words, marker = _words([text for slug in slugs for text in reversed(documents[slug])])
    is_marker = np.fromiter(map(marker.__eq__, words), dtype=bool, count=len(words))
    text_of_word = np.cumsum(is_marker) - is_marker
    names = [word for word in set(words) if word != marker and not _meaningless(word)]
    number = dict.fromkeys(words, -1)
    number.update((word, n) for n, word in enumerate(names))
    numbers = np.fromiter(map(number.__getitem__, words), dtype=np.int64, count=len(words))
    kept = numbers >= 0
    numbers, text_of_word = numbers[kept], text_of_word[kept]
    width = max(len(names), 1)
    pairs, pair_of_word = np.unique(text_of_word // 2 * width + numbers, return_inverse=True)
    tf = np.bincount(pair_of_word, weights=np.where(text_of_word % 2 == 1, TITLE_WEIGHT, 1))
    paper_of_pair, term_of_pair = np.divmod(pairs, width)
    document_frequency = np.bincount(term_of_pair, minlength=len(names))

    frequent = document_frequency > MAX_DOCUMENT_FREQUENCY
    in_vocabulary = sorted((n for n in range(len(names)) if not frequent[n]), key=names.__getitem__)
    column_of = np.full(len(names), -1, dtype=np.int64)
    column_of[in_vocabulary] = np.arange(len(in_vocabulary))
    idf = np.zeros(len(names))
    frequencies = document_frequency.tolist()
    for n in in_vocabulary:  # math.log, as ever: the same floats on every platform
        idf[n] = math.log(total / frequencies[n]) + 1.0
    used = column_of[term_of_pair] >= 0
    paper_of_pair, term_of_pair, tf = paper_of_pair[used], term_of_pair[used], tf[used]
    columns = column_of[term_of_pair]
    order = np.lexsort((columns, paper_of_pair))
    paper_of_pair, term_of_pair, tf, columns = (paper_of_pair[order], term_of_pair[order], tf[order],
                                                columns[order])
    distinct_tf, tf_index = np.unique(tf, return_inverse=True)
    log_tf = np.array([math.log(value) for value in distinct_tf.tolist()])
    weights = (1.0 + log_tf[tf_index]) * idf[term_of_pair]
    row_starts = np.concatenate(([0], np.cumsum(np.bincount(paper_of_pair, minlength=total))))
    squares = (weights * weights).tolist()
    bounds = row_starts.tolist()
    norms = np.array([math.sqrt(sum(squares[bounds[row]:bounds[row + 1]])) or 1.0  # summed in order
                      for row in range(total)])
    data = weights / norms[paper_of_pair] if total else weights
    vocabulary = in_vocabulary
    matrix = sparse.csr_matrix((data, columns, row_starts), shape=(total, len(vocabulary)))
    transposed = matrix.T.tocsr()

    nearest: dict[str, list[str]] = {}
    for start in range(0, total, ROWS_PER_BLOCK):
        block = (matrix[start:start + ROWS_PER_BLOCK] @ transposed).tocsr()
        for offset in range(block.shape[0]):
            row = start + offset
            begin, end = block.indptr[offset], block.indptr[offset + 1]
            others, scores = block.indices[begin:end], block.data[begin:end]
            keep = (others != row) & (scores > 1e-12)
            others, scores = others[keep], np.round(scores[keep], 12)
            if len(others) > count:  # cheap pre-selection, then an exact ordered pick
                threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
                chosen = scores >= threshold
                others, scores = others[chosen], scores[chosen]
            order = np.lexsort((others, -scores))[:count]
            nearest[slugs[row]] = [slugs[index] for index in others[order]]
    return nearest
