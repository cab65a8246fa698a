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
from collections import Counter

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


def term_counts(text: str) -> Counter:
    """How often each meaningful word occurs: ASCII-folded, lower case, no stopwords,
    no single letters, no numbers."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    counts = Counter(WORD.findall(ascii_text))
    for word in counts.keys() - _KNOWN:  # set operations in C; each new word judged once
        _KNOWN.add(word)
        if len(word) < 2 or word in STOPWORDS or word.isdigit():
            _MEANINGLESS.add(word)
    for word in counts.keys() & _MEANINGLESS:
        del counts[word]
    return counts


_KNOWN: set[str] = set()
_MEANINGLESS: set[str] = set()


def similar_papers(documents: dict[str, tuple[str, str]], count: int = 5) -> dict[str, list[str]]:
    """slug -> (title, abstract) in; slug -> up to `count` nearest slugs out."""
    import numpy as np  # imported here: a fifth of a second that `check` and `--help` need not pay
    from scipy import sparse

    slugs = sorted(documents)
    counted = []
    for slug in slugs:
        title, abstract = documents[slug]
        counts = term_counts(abstract)
        for word, times in term_counts(title).items():
            counts[word] += TITLE_WEIGHT * times
        counted.append(counts)
    total = len(slugs)
    document_frequency = Counter(term for counts in counted for term in counts)
    vocabulary = {term: index for index, term in enumerate(sorted(
        term for term, df in document_frequency.items() if df <= MAX_DOCUMENT_FREQUENCY))}
    idf = {term: math.log(total / document_frequency[term]) + 1.0 for term in vocabulary}

    data, columns, row_starts = [], [], [0]
    for counts in counted:
        weights = sorted((vocabulary[term], (1.0 + math.log(tf)) * idf[term])
                         for term, tf in counts.items() if term in vocabulary)
        norm = math.sqrt(sum(weight * weight for _, weight in weights)) or 1.0
        columns.extend(column for column, _ in weights)
        data.extend(weight / norm for _, weight in weights)
        row_starts.append(len(columns))
    matrix = sparse.csr_matrix((np.array(data, dtype=np.float64), np.array(columns, dtype=np.int64),
                                np.array(row_starts, dtype=np.int64)), shape=(total, len(vocabulary)))
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
