"""“Similar papers”: the nearest papers by TF-IDF cosine over title and abstract.

Candidates come from an inverted index over each paper's most telling terms
(terms in more than a fifth of the papers are too common to suggest anything),
then candidates are ranked by the exact cosine of their full vectors.  Ties
break on the slug, so the result is deterministic.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict

STOPWORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having here how however i if in into is it its itself just may more most much must no nor
not of off on once only or other our out over own same several should so some such than that the
their them then there these they this those through thus to too under until up upon very via was
we were what when where which while who whom why will with within without would yet you your
we our paper propose proposed show shows using use used based approach new method methods results
""".split())

QUERY_TERMS = 24
TITLE_WEIGHT = 2


def tokens(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [word for word in re.findall(r"[a-z0-9]+", ascii_text)
            if len(word) > 1 and word not in STOPWORDS and not word.isdigit()]


def similar_papers(documents: dict[str, tuple[str, str]], count: int = 5) -> dict[str, list[str]]:
    """slug -> (title, abstract) in; slug -> up to `count` nearest slugs out."""
    slugs = sorted(documents)
    term_counts = {}
    for slug in slugs:
        title, abstract = documents[slug]
        counts = Counter(tokens(abstract))
        for word in tokens(title):
            counts[word] += TITLE_WEIGHT
        term_counts[slug] = counts
    total = len(slugs)
    document_frequency = Counter(term for counts in term_counts.values() for term in counts)
    idf = {term: math.log(total / df) + 1.0 for term, df in document_frequency.items()}

    vectors: dict[str, dict[str, float]] = {}
    for slug, counts in term_counts.items():
        weights = {term: (1.0 + math.log(tf)) * idf[term] for term, tf in counts.items()}
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        vectors[slug] = {term: weight / norm for term, weight in weights.items()}

    too_common = max(10, total // 5)
    postings: dict[str, list[str]] = defaultdict(list)
    for slug in slugs:
        for term in vectors[slug]:
            if document_frequency[term] <= too_common:
                postings[term].append(slug)

    nearest: dict[str, list[str]] = {}
    for slug in slugs:
        vector = vectors[slug]
        telling = heapq.nlargest(QUERY_TERMS, (term for term in vector if term in postings),
                                 key=lambda term: (vector[term], term))
        candidates = {other for term in telling for other in postings[term]}
        candidates.discard(slug)
        scored = []
        for other in candidates:
            other_vector = vectors[other]
            small, large = (vector, other_vector) if len(vector) < len(other_vector) else (other_vector, vector)
            score = sum(weight * large.get(term, 0.0) for term, weight in small.items())
            scored.append((-round(score, 12), other))
        nearest[slug] = [other for _, other in heapq.nsmallest(count, scored)]
    return nearest
