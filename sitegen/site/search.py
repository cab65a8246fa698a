"""The prebuilt search index: lunr.js 2.3.9's format, built fast.

`collect` computes exactly what lunr.py's builder would for the texts a digest holds
(same tokenizer, pipeline from lunr.py, same BM25 scores and rounding; lunr.py splits at
ASCII whitespace, no-break spaces and hyphens, this at any whitespace and hyphens, which
differ only where a text holds other whitespace, and `capture.clean_text` leaves none in a
paper's), but sends each distinct word through the
pipeline once and scores every (document, field, term) at once with NumPy (a small
fraction of lunr.py's time: benchmarks/README.md).  `search/lunr.json` is that whole
index, equal as JSON to lunr.py's `serialize()` and loadable by `lunr.Index.load()`;
the files the browser loads are cut from it by `search_files.py`.

Refs are short ids (`ids.py`), not slugs: lunr's format names a document once per
word it holds, and at 10,000 papers the slugs made the whole index 107 MB, ids 28 MB.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

from lunr.pipeline import Pipeline
from lunr.stemmer import stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer

from ..content.model import Digest, Paper
from ..ids import paper_ids

if TYPE_CHECKING:  # NumPy itself is imported where it is used: `check` and `--help` skip it
    import numpy as np

LUNR_VERSION = "2.3.9"
FIELDS = (("title", 10), ("abstract", 1), ("topics", 2), ("organization", 2), ("year", 1),
          ("facets", 1))
K1, B = 1.2, 0.75
WHOLE_INDEX = "search/lunr.json"


def facet_token(kind: str, value: str) -> str:
    """A token for filtering by topic or year; underscores keep it one word."""
    return f"{kind}_{value}".replace("-", "_")


def search_document(paper: Paper, topic_names: dict[str, str], ref: str) -> dict:
    """A paper as the index sees it; `ref` is its id (`ids.paper_ids`)."""
    return {
        "ref": ref,
        "title": paper.title,
        "abstract": " ".join(paper.abstract),
        "topics": " ".join(topic_names[slug] for slug in paper.topics),
        "organization": f"{paper.org_name or ''} {paper.org_account or ''}".strip(),
        "year": str(paper.date.year) if paper.date else "",
        "facets": " ".join([facet_token("t", slug) for slug in paper.topics]
                           + ([facet_token("y", str(paper.date.year))] if paper.date else [])),
    }


def _pipeline() -> Callable[[str], str | None]:
    """Raw token -> index term through lunr's pipeline (None when it drops the token)."""
    pipeline = Pipeline()
    pipeline.add(trimmer, stop_word_filter, stemmer)

    def term(raw: str) -> str | None:
        processed = pipeline.run([Token(raw, {})])
        return (str(processed[0]) or None) if processed else None
    return term


def _tokens(texts: list[str]) -> tuple[list[str], "np.ndarray"]:
    """lunr's raw tokens of every text (lower case, split on whitespace and hyphens), and
    the number of the text each came from."""
    import numpy as np

    tokens, lengths = [], []
    for text in texts:
        # str.split() splits on exactly the characters `\s` matches (tested), and fast.
        split = text.lower().replace("-", " ").split()
        tokens.extend(split)
        lengths.append(len(split))
    return tokens, np.repeat(np.arange(len(texts)), lengths)


@dataclass
class Collected:
    """Every (document, field, term) of the index with its score, as parallel arrays.

    A "segment" is one field of one document (segment = document * fields + field),
    which is also one entry of lunr's `fieldVectors`."""

    field_names: list[str]
    refs: list[str]
    terms: list[str]  # by lunr's `_index`: the order terms were first seen in
    segment_sizes: "np.ndarray"  # entries per segment
    term_ids: "np.ndarray"  # per entry, sorted by segment, then by term (as a vector wants)
    scores: "np.ndarray"  # per entry: lunr's score times 1000, rounded (an integer)

    # Derived once, for both the whole index and its parts.
    @functools.cached_property
    def segment_of_entry(self) -> "np.ndarray":
        import numpy as np

        return np.repeat(np.arange(len(self.segment_sizes)), self.segment_sizes)

    @functools.cached_property
    def document_of_entry(self) -> "np.ndarray":
        return self.segment_of_entry // len(self.field_names)

    @functools.cached_property
    def strings(self) -> _Strings:
        return _Strings(self)

    @functools.cached_property
    def posting_order(self) -> tuple[list[int], list[int], "np.ndarray"]:
        """(term ids in JavaScript's sort order of terms, where each (term, field) group
        ends, the entries reordered by term, field and document): lunr's inverted index."""
        import numpy as np

        field_count = len(self.field_names)
        rank = np.empty(len(self.terms), dtype=np.int64)
        # JavaScript sorts strings by UTF-16 code units; so must we, for identical output.
        in_js_order = sorted(range(len(self.terms)), key=lambda n: self.terms[n].encode("utf-16-be"))
        rank[in_js_order] = np.arange(len(in_js_order))
        group = rank[self.term_ids] * field_count + self.segment_of_entry % field_count
        # Entries come by document; a stable sort by group keeps each group's in that order.
        order = np.argsort(group, kind="stable")
        ends = np.cumsum(np.bincount(group, minlength=len(rank) * field_count)).tolist()
        return in_js_order, ends, order


@dataclass
class Tokenised:
    """What lunr's tokenizer and pipeline made of each document, kept for the next build
    (tokenizing is most of the work, and a rebuild sees nearly the same documents).

    Per document, by a digest of its fields: each field's terms in the order they first
    occur, how often each occurs, and the field's length.  Terms are numbered in
    `terms`, in the order any build first saw them (lunr's own numbering, `_index`, is
    the order this build's documents first show them, worked out each time)."""

    terms: dict[str, int] = dataclasses.field(default_factory=dict)
    spans: dict[bytes, tuple[int, int, int]] = dataclasses.field(default_factory=dict)
    # (first entry, end, row in `lengths`) -> entries are (term, count, field)
    term_of_entry: "np.ndarray | None" = None
    count_of_entry: "np.ndarray | None" = None
    field_of_entry: "np.ndarray | None" = None
    lengths: "np.ndarray | None" = None  # documents x fields

    def as_plain(self) -> tuple:
        """Its fields as builtins and NumPy arrays, which the build cache keeps."""
        return (self.terms, self.spans, self.term_of_entry, self.count_of_entry, self.field_of_entry,
                self.lengths)

    @classmethod
    def from_plain(cls, plain: tuple | None) -> Tokenised | None:
        """What `as_plain` gave (None for None)."""
        return cls(*plain) if plain is not None else None


def _document_key(document: dict, field_names: list[str]) -> bytes:
    text = "\x1f".join(document[name] for name in field_names)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


TOKENISE_BATCH = 5000  # documents


def _tokenise(documents: list[dict], field_names: list[str],
              terms: dict[str, int]) -> tuple[Tokenised, list[int]]:
    """The documents tokenised (rows 0 to n-1; no spans) and where each one's entries
    end; new terms are numbered into `terms`.  TOKENISE_BATCH documents at a time: every
    token is a Python string while its batch is split, and 100,000 papers' tokens at
    once took 2.3 GB."""
    import numpy as np

    known: dict[str, int] = {}  # raw token -> term number (-1: dropped), for every batch
    batches = [_tokenise_batch(documents[start:start + TOKENISE_BATCH], field_names, terms, known)
               for start in range(0, max(len(documents), 1), TOKENISE_BATCH)]  # (no documents: one batch)
    if len(batches) == 1:
        return batches[0]
    ends, offset = [], 0
    for tokenised, batch_ends in batches:
        ends.extend(end + offset for end in batch_ends)
        offset += len(tokenised.term_of_entry)
    return Tokenised(terms, {}, *(np.concatenate([getattr(tokenised, name) for tokenised, _ in batches])
                                  for name in ("term_of_entry", "count_of_entry", "field_of_entry",
                                               "lengths"))), ends


def _tokenise_batch(documents: list[dict], field_names: list[str], terms: dict[str, int],
                    known: dict[str, int]) -> tuple[Tokenised, list[int]]:
    """`_tokenise` for one batch (`known`: the batches' raw tokens so far, numbered).  The
    per-token work runs in C (a split, dictionary lookups through `map`, NumPy)."""
    import numpy as np

    field_count = len(field_names)
    texts = [document[name] for document in documents for name in field_names]
    tokens, segment_of_token = _tokens(texts)
    terms_of = _pipeline()
    for raw in set(tokens).difference(known):
        term = terms_of(raw)
        known[raw] = -1 if term is None else terms.setdefault(term, len(terms))
    numbers = np.fromiter(map(known.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    kept = numbers >= 0
    numbers, segment_of_token = numbers[kept], segment_of_token[kept]
    width = max(len(terms), 1)
    pairs, first, counts = np.unique(segment_of_token * width + numbers, return_index=True,
                                     return_counts=True)
    in_order = np.argsort(first, kind="stable")  # each field's terms as they first occur
    segment_of_entry, term_of_entry = np.divmod(pairs[in_order], width)
    ends = np.searchsorted(segment_of_entry // field_count, np.arange(1, len(documents) + 1)).tolist()
    return Tokenised(  # small types: the build cache keeps these
        terms, {}, term_of_entry.astype(np.int32), counts[in_order].astype(np.int32),
        (segment_of_entry % field_count).astype(np.int8),
        np.bincount(segment_of_token, minlength=len(texts)).reshape(-1, field_count)), ends


def _tokenised(documents: list[dict], previous: Tokenised | None,
               field_names: list[str]) -> tuple[Tokenised, "np.ndarray"]:
    """The documents tokenised, in their order (those `previous` has seen taken from it),
    and each document's number of entries."""
    import numpy as np

    previous = previous if previous is not None and previous.term_of_entry is not None else None
    keys = [_document_key(document, field_names) for document in documents]
    known = previous.spans if previous is not None else {}
    unseen = list({key: document for key, document in zip(keys, documents) if key not in known}.items())
    terms = dict(previous.terms) if previous is not None else {}
    fresh, ends = _tokenise([document for _, document in unseen], field_names, terms)
    # Both sources one after the other: the previous build's entries, then the new ones.
    sources = [source for source in (previous, fresh) if source is not None]
    offset, rows = (len(previous.term_of_entry), len(previous.lengths)) if previous else (0, 0)
    spans = dict(known)
    for row, ((key, _), end) in enumerate(zip(unseen, ends)):
        spans[key] = (offset + (ends[row - 1] if row else 0), offset + end, rows + row)
    starts, stops, source_rows = np.array([spans[key] for key in keys], dtype=np.int64).reshape(-1, 3).T
    sizes = stops - starts
    entry_source = np.repeat(starts - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes) + \
        np.arange(sizes.sum())
    term_of_entry = np.concatenate([source.term_of_entry for source in sources])[entry_source]
    counts = np.concatenate([source.count_of_entry for source in sources])[entry_source]
    field_of_entry = np.concatenate([source.field_of_entry for source in sources])[entry_source]
    lengths = np.concatenate([source.lengths for source in sources])[source_rows]
    ends_of_documents = np.cumsum(sizes).tolist()
    tokenised = Tokenised(terms, {key: (end - size, end, row) for row, (key, end, size)
                                  in enumerate(zip(keys, ends_of_documents, sizes.tolist()))},
                          term_of_entry, counts, field_of_entry, lengths)
    return tokenised, sizes


def collect(documents: list[dict], previous: Tokenised | None = None) -> tuple[Collected, Tokenised]:
    """Every term of every field of every document, counted, numbered and scored, and the
    documents tokenised for the next time (only those `previous` has not seen are)."""
    import numpy as np

    field_names = [name for name, _ in FIELDS]
    field_count, count = len(field_names), len(documents)
    tokenised, sizes = _tokenised(documents, previous, field_names)
    terms, term_of_entry, counts = tokenised.terms, tokenised.term_of_entry, tokenised.count_of_entry
    field_of_entry, lengths = tokenised.field_of_entry, tokenised.lengths

    # lunr numbers terms (`_index`) in the order it first meets them: by their first entries.
    first_entry = np.full(len(terms), len(term_of_entry), dtype=np.int64)
    np.minimum.at(first_entry, term_of_entry, np.arange(len(term_of_entry)))
    present = np.flatnonzero(first_entry < len(term_of_entry))
    in_index_order = present[np.argsort(first_entry[present])].tolist()
    index_of_term = np.full(max(len(terms), 1), -1, dtype=np.int64)
    index_of_term[in_index_order] = np.arange(len(in_index_order))
    names = list(terms)
    term_list = [names[number] for number in in_index_order]
    term_count = len(term_list)
    document_of_entry = np.repeat(np.arange(count), sizes)
    segment = document_of_entry * field_count + field_of_entry
    ids = index_of_term[term_of_entry]
    order = np.argsort(segment * max(term_count, 1) + ids, kind="stable")
    segment_of_entry, ids, tf = segment[order], ids[order], counts[order].astype(np.float64)
    field_of_entry = field_of_entry[order]
    sizes = np.bincount(segment_of_entry, minlength=count * field_count)

    # The same floating-point operations, in the same order, as lunr.py's builder.
    with_term = np.bincount(ids, minlength=term_count).tolist()  # (document, field) postings
    idf = np.array([math.log(1 + abs((count - n + 0.5) / (n + 0.5))) for n in with_term])
    length_by_segment = lengths.astype(np.float64)
    totals = length_by_segment.sum(axis=0)  # sums of integers: exact
    with np.errstate(divide="ignore", invalid="ignore"):  # (no documents, or an empty field)
        average = totals / count
        ratio = np.where(average > 0, length_by_segment / average, 0.0).reshape(-1)
    boosts = np.array([boost for _, boost in FIELDS], dtype=np.float64)
    score = idf[ids] * ((K1 + 1) * tf) / (K1 * (1 - B + B * ratio[segment_of_entry]) + tf)
    score = score * boosts[field_of_entry]
    return Collected(field_names, [document["ref"] for document in documents], term_list,
                      sizes, ids, _thousandths(score)), tokenised


def _thousandths(score: "np.ndarray") -> "np.ndarray":
    """round(score, 3) * 1000 as integers, exactly as Python's round() decides: numpy's
    rounding only differs next to a tie, and those few go through round() itself."""
    import numpy as np

    scaled = score * 1000
    rounded = np.rint(scaled).astype(np.int64)
    near_tie = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) < 1e-6
    for position in np.flatnonzero(near_tie).tolist():
        rounded[position] = round(round(float(score[position]), 3) * 1000)
    return rounded


class _Strings:
    """JSON text for the numbers and names the index repeats millions of times."""

    def __init__(self, collected: Collected):
        import numpy as np

        # The distinct scores, and each entry's place among them, by counting rather than
        # by sorting the entries: scores are thousandths, small non-negative integers.
        present = np.bincount(collected.scores) > 0
        values, self.score_of_entry = np.flatnonzero(present), (np.cumsum(present) - 1)[collected.scores]
        self.scores = np.array([repr(value) for value in (values / 1000).tolist()], dtype=object)
        self.thousandths = np.array([str(value) for value in values.tolist()], dtype=object)
        self.numbers = np.array([str(n) for n in range(max(len(collected.terms), len(collected.refs)))],
                                dtype=object)


def whole_index_pieces(collected: Collected) -> Iterator[str]:
    """lunr.json's text in pieces, made as they are asked for (it is 100 MB at 10,000
    papers: written as made, it never needs to be whole in memory): equal as JSON to
    lunr.py's serialised index (each posting lists `_index` first, as lunr.js's own
    builder does)."""
    import numpy as np

    names, refs, strings = collected.field_names, collected.refs, collected.strings
    field_count = len(names)
    pairs = np.empty(2 * len(collected.term_ids), dtype=object)
    pairs[0::2] = strings.numbers[collected.term_ids]
    pairs[1::2] = strings.scores[strings.score_of_entry]
    pairs = pairs.tolist()
    ends = (2 * np.cumsum(collected.segment_sizes)).tolist()
    quoted = [script_json(ref) for ref in refs]
    # A field name needs no escaping, so '"title/' + a quoted ref's inside is the key quoted.
    assert all(script_json(name) == f'"{name}"' and "/" not in name for name in names)
    yield f'{{"version":{script_json(LUNR_VERSION)},"fields":{script_json(names)},"fieldVectors":['
    start = 0
    for segment, end in enumerate(ends):
        key = f'"{names[segment % field_count]}/{quoted[segment // field_count][1:]}'
        yield f"{',' if segment else ''}[{key},[{','.join(pairs[start:end])}]]"
        start = end

    yield '],"invertedIndex":['
    quoted_refs = np.array([f"{ref}:{{}}" for ref in quoted], dtype=object)
    quoted_fields = [script_json(name) for name in names]
    separator = ""
    for term_id, groups in postings(collected, quoted_refs[collected.document_of_entry]):
        fields = ",".join(f"{quoted_fields[field]}:{{{','.join(group)}}}"
                          for field, group in enumerate(groups))
        yield f"{separator}[{script_json(collected.terms[term_id])},{{\"_index\":{term_id},{fields}}}]"
        separator = ","
    yield '],"pipeline":["stemmer"]}'


def postings(collected: Collected, *texts_of_entry: "np.ndarray"):
    """(term id, [entries' texts per field]) for every term in JavaScript's sort order of
    terms, each field's entries in document order: lunr's inverted index.  With several
    texts per entry, a group holds them interleaved (one text per item is cheaper to
    join than pairs concatenated first)."""
    import numpy as np

    in_js_order, ends, order = collected.posting_order
    width = len(texts_of_entry)
    interleaved = np.empty(width * len(order), dtype=object)
    for number, text_of_entry in enumerate(texts_of_entry):
        interleaved[number::width] = text_of_entry[order]
    texts = interleaved.tolist()
    field_count = len(collected.field_names)
    start = 0
    for position, term_id in enumerate(in_js_order):
        groups = []
        for field in range(field_count):
            end = width * ends[position * field_count + field]
            groups.append(texts[start:end])
            start = end
        yield term_id, groups


def whole_index(digest: Digest, topic_names: dict[str, str], previous: Tokenised | None = None) -> str:
    """search/lunr.json alone (what `serve` makes only when asked for it: pages never load it)."""
    return "".join(whole_index_pieces(collect(documents_of(digest, topic_names), previous)[0]))


def documents_of(digest: Digest, topic_names: dict[str, str]) -> list[dict]:
    ids = paper_ids([paper.slug for paper in digest.papers])
    return [search_document(paper, topic_names, ids[paper.slug]) for paper in digest.papers]


def script_json(value) -> str:
    """Compact JSON that is also safe inside a script file loaded by a page."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
