"""The prebuilt search index: lunr.js 2.3.9's format, built fast, split for the browser.

`build_index` produces exactly what lunr.py's builder would (same tokenizer,
pipeline from lunr.py, same BM25 scores and rounding), but processes each
distinct word once, so 10,000 papers take about a second instead of lunr.py's
18.  `search/lunr.json` is that whole index, loadable by `lunr.Index.load()`.

The browser never downloads it whole.  lunr.js scores a document, per field,
as a dot product over the query's terms divided by the query vector's length,
so an index that holds only some terms (their postings and their entries in
the field vectors) ranks exactly like the whole index for queries made of
those terms.  The terms, sorted, are cut into parts of roughly equal size;
a query loads only the parts its terms fall in (a `prefix*` term loads the
parts its range spans), the page merges them into one small serialised index
and lets lunr.js load and search it.  Result details (title, date, topics,
abstract) come from a document store cut into chunks of consecutive documents.  Every part is a script file, so search works from `file://` too.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from lunr.pipeline import Pipeline
from lunr.stemmer import stemmer
from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer

from .model import Digest, Paper

LUNR_VERSION = "2.3.9"
FIELDS = (("title", 10), ("abstract", 1), ("topics", 2), ("organization", 2), ("year", 1),
          ("facets", 1))
K1, B = 1.2, 0.75
SEPARATOR = re.compile(r"[\s\-]+")
PART_TARGET_BYTES = 16_000
DOCS_PER_CHUNK = 16


def facet_token(kind: str, value: str) -> str:
    """A token for filtering by topic or year; underscores keep it one word."""
    return f"{kind}_{value}".replace("-", "_")


def search_document(paper: Paper, topic_names: dict[str, str]) -> dict:
    return {
        "ref": paper.slug,
        "title": paper.title,
        "abstract": " ".join(paper.abstract),
        "topics": " ".join(topic_names[slug] for slug in paper.topics),
        "organization": f"{paper.org_name or ''} {paper.org_account or ''}".strip(),
        "year": str(paper.date.year) if paper.date else "",
        "facets": " ".join([facet_token("t", slug) for slug in paper.topics]
                           + ([facet_token("y", str(paper.date.year))] if paper.date else [])),
    }


class _Terms:
    """Raw token -> index term through lunr's pipeline, each distinct token once.  The
    answers are pure, so one cache serves every build of a process (`serve` rebuilds)."""

    cache: dict[str, str | None] = {}

    def __init__(self):
        self.pipeline = Pipeline()
        self.pipeline.add(trimmer, stop_word_filter, stemmer)

    def __call__(self, text: str) -> list[str]:
        terms = []
        for raw in SEPARATOR.split(text.lower()):
            if not raw:
                continue
            term = self.cache.get(raw, False)
            if term is False:
                processed = self.pipeline.run([Token(raw, {})])
                term = self.cache[raw] = str(processed[0]) if processed else None
            if term:
                terms.append(term)
        return terms


@dataclass
class _Collected:
    """One pass over the documents: what both the whole index and its parts are made of."""

    field_names: list[str]
    refs: list[str]
    inverted: dict[str, dict]  # term -> {"_index": n, field: {ref: {}}}
    vectors: list[tuple[int, int, list[tuple[int, float]]]]  # (document, field, [(term index, score)])


def _collect(documents: list[dict]) -> _Collected:
    terms_of = _Terms()
    field_names = [name for name, _ in FIELDS]
    inverted: dict[str, dict] = {}
    field_terms: list[tuple[int, int, dict[str, int], int]] = []  # (document, field, tf, length)
    length_totals = defaultdict(int)
    for number, document in enumerate(documents):
        ref = document["ref"]
        for field_number, field in enumerate(field_names):
            terms = terms_of(document[field])
            frequencies: dict[str, int] = {}
            for term in terms:
                frequencies[term] = frequencies.get(term, 0) + 1
                posting = inverted.get(term)
                if posting is None:
                    posting = inverted[term] = {"_index": len(inverted),
                                                **{name: {} for name in field_names}}
                posting[field].setdefault(ref, {})
            field_terms.append((number, field_number, frequencies, len(terms)))
            length_totals[field] += len(terms)

    count = len(documents)
    average_length = {field: (length_totals[field] / count if count else 0) for field in field_names}
    boosts = dict(FIELDS)
    idf_cache: dict[str, float] = {}
    vectors = []
    for number, field_number, frequencies, length in field_terms:
        field = field_names[field_number]
        elements = []
        ratio = length / average_length[field] if average_length[field] else 0
        for term, tf in frequencies.items():
            idf = idf_cache.get(term)
            if idf is None:
                posting = inverted[term]
                with_term = sum(len(posting[name]) for name in field_names)
                idf = idf_cache[term] = math.log(1 + abs((count - with_term + 0.5) / (with_term + 0.5)))
            score = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * ratio) + tf) * boosts[field]
            elements.append((inverted[term]["_index"], round(score, 3)))
        elements.sort()
        vectors.append((number, field_number, elements))
    return _Collected(field_names, [document["ref"] for document in documents], inverted, vectors)


def build_index(documents: list[dict]) -> dict:
    """The serialised lunr index over `documents` (dicts with `ref` and the FIELDS)."""
    return _whole_index(_collect(documents))


def _whole_index(collected: _Collected) -> dict:
    names, refs = collected.field_names, collected.refs
    return {
        "version": LUNR_VERSION,
        "fields": names,
        "fieldVectors": [[f"{names[field]}/{refs[number]}", [value for pair in elements for value in pair]]
                         for number, field, elements in collected.vectors],
        "invertedIndex": [[term, collected.inverted[term]]
                          for term in sorted(collected.inverted, key=_js_order)],
        "pipeline": ["stemmer"],
    }


def _parts(collected: _Collected) -> tuple[list[str], list[dict]]:
    """The index cut by sorted term into parts of about PART_TARGET_BYTES, in a compact
    form: documents are numbers (the page turns them into refs `d<number>`), postings are
    lists of document numbers per field, vectors are (field, document, [index, score, …])."""
    names = collected.field_names
    number_of = {ref: number for number, ref in enumerate(collected.refs)}
    starts, parts, part_of_index = [], [], {}
    size = PART_TARGET_BYTES
    for term in sorted(collected.inverted, key=_js_order):
        posting = collected.inverted[term]
        entry = [term, posting["_index"], [[number_of[ref] for ref in posting[name]] for name in names]]
        entry_size = len(term) + 8 + 6 * sum(len(refs) for refs in entry[2])
        if size + entry_size > PART_TARGET_BYTES and (not parts or parts[-1]["terms"]):
            starts.append(term)
            parts.append({"terms": [], "vectors": []})
            size = 0
        parts[-1]["terms"].append(entry)
        part_of_index[posting["_index"]] = len(parts) - 1
        size += entry_size
    for number, field, elements in collected.vectors:
        by_part: dict[int, list] = {}
        for index, score in elements:
            by_part.setdefault(part_of_index[index], []).extend((index, score))
        for part, flat in by_part.items():
            parts[part]["vectors"].append([field, number, flat])
    return starts, parts


def _js_order(term: str) -> bytes:
    """JavaScript sorts strings by UTF-16 code units; so must we, for identical output."""
    return term.encode("utf-16-be")


def search_files(digest: Digest, topic_names: dict[str, str]) -> dict[str, str]:
    """Every file under search/: the whole index, its parts, the document store, a manifest."""
    documents = [search_document(paper, topic_names) for paper in digest.papers]
    collected = _collect(documents)
    files = {"search/lunr.json": _json(_whole_index(collected))}
    starts, parts = _parts(collected)
    for number, part in enumerate(parts):
        files[f"search/parts/{number}.js"] = f"sitegenSearch.part({number},{_json(part)});\n"

    chunk_count = max(1, math.ceil(len(documents) / DOCS_PER_CHUNK))
    for chunk in range(chunk_count):
        papers = digest.papers[chunk * DOCS_PER_CHUNK:(chunk + 1) * DOCS_PER_CHUNK]
        entries = [[p.slug, p.title, p.url, p.date.isoformat() if p.date else None, p.topics,
                    " ".join(p.abstract)] for p in papers]
        files[f"search/docs/{chunk}.js"] = f"sitegenSearch.docs({chunk},{_json(entries)});\n"

    years = sorted({paper.date.year for paper in digest.papers if paper.date}, reverse=True)
    manifest = {"version": LUNR_VERSION, "fields": collected.field_names, "pipeline": ["stemmer"],
                "parts": starts, "chunkSize": DOCS_PER_CHUNK, "count": len(documents),
                "topics": [[slug, name] for slug, name in topic_names.items()], "years": years}
    files["search/manifest.js"] = f"sitegenSearch.manifest({_json(manifest)});\n"
    return files


def _json(value) -> str:
    """Compact JSON that is also safe inside a script file loaded by a page."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
