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
abstract) come from a document store split into small chunks chosen by a hash
of the slug.  Every part is a script file, so search works from `file://` too.
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
PART_TARGET_BYTES = 48_000
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
    """Raw token -> index term through lunr's pipeline, each distinct token once."""

    def __init__(self):
        self.pipeline = Pipeline()
        self.pipeline.add(trimmer, stop_word_filter, stemmer)
        self.cache: dict[str, str | None] = {}

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


def build_index(documents: list[dict]) -> dict:
    """The serialised lunr index over `documents` (dicts with `ref` and the FIELDS)."""
    terms_of = _Terms()
    field_names = [name for name, _ in FIELDS]
    inverted: dict[str, dict] = {}
    field_terms: list[tuple[str, str, dict[str, int], int]] = []  # (ref, field, tf, length)
    length_totals = defaultdict(int)
    for document in documents:
        ref = document["ref"]
        for field in field_names:
            terms = terms_of(document[field])
            frequencies: dict[str, int] = {}
            for term in terms:
                frequencies[term] = frequencies.get(term, 0) + 1
                posting = inverted.get(term)
                if posting is None:
                    posting = inverted[term] = {"_index": len(inverted),
                                                **{name: {} for name in field_names}}
                posting[field].setdefault(ref, {})
            field_terms.append((ref, field, frequencies, len(terms)))
            length_totals[field] += len(terms)

    count = len(documents)
    average_length = {field: (length_totals[field] / count if count else 0) for field in field_names}
    boosts = dict(FIELDS)
    idf_cache: dict[str, float] = {}
    field_vectors = []
    for ref, field, frequencies, length in field_terms:
        elements = []
        ratio = length / average_length[field] if average_length[field] else 0
        for term, tf in frequencies.items():
            idf = idf_cache.get(term)
            if idf is None:
                posting = inverted[term]
                with_term = sum(len(posting[name]) for name in field_names)
                idf = idf_cache[term] = math.log(1 + abs((count - with_term + 0.5) / (with_term + 0.5)))
            score = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * ratio) + tf) * boosts[field]
            elements.append((posting_index := inverted[term]["_index"], round(score, 3)))
        elements.sort()
        field_vectors.append([f"{field}/{ref}", [value for pair in elements for value in pair]])
    return {
        "version": LUNR_VERSION,
        "fields": field_names,
        "fieldVectors": field_vectors,
        "invertedIndex": [[term, inverted[term]] for term in sorted(inverted, key=_js_order)],
        "pipeline": ["stemmer"],
    }


def _js_order(term: str) -> bytes:
    """JavaScript sorts strings by UTF-16 code units; so must we, for identical output."""
    return term.encode("utf-16-be")


def chunk_of(slug: str, chunks: int) -> int:
    """FNV-1a over the slug's bytes; the page computes the same to find a result's chunk."""
    value = 0x811C9DC5
    for byte in slug.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value % chunks


@dataclass
class SearchFiles:
    files: dict[str, str]  # path under the output -> content
    raw_bytes: int


def search_files(digest: Digest, topic_names: dict[str, str]) -> dict[str, str]:
    """Every file under search/: the whole index, its parts, the document store, a manifest."""
    documents = [search_document(paper, topic_names) for paper in digest.papers]
    index = build_index(documents)
    files = {"search/lunr.json": _json(index)}

    vectors_by_term: dict[int, list[tuple[str, int, float]]] = defaultdict(list)
    for field_ref, elements in index["fieldVectors"]:
        for position in range(0, len(elements), 2):
            vectors_by_term[elements[position]].append((field_ref, elements[position], elements[position + 1]))

    parts, current, size = [], [], 0
    for term, posting in index["invertedIndex"]:
        entry_size = len(term) + sum(len(ref) + 8 for name in index["fields"] for ref in posting[name])
        if current and size + entry_size > PART_TARGET_BYTES:
            parts.append(current)
            current, size = [], 0
        current.append((term, posting))
        size += entry_size
    if current:
        parts.append(current)

    part_starts = []
    for number, part in enumerate(parts):
        grouped: dict[str, list] = {}
        for term, posting in part:
            for field_ref, position, score in vectors_by_term[posting["_index"]]:
                grouped.setdefault(field_ref, []).extend((position, score))
        payload = {"terms": [[term, posting] for term, posting in part],
                   "vectors": sorted(grouped.items())}
        files[f"search/parts/{number}.js"] = f"sitegenSearch.part({number},{_json(payload)});\n"
        part_starts.append(part[0][0])

    chunk_count = max(1, math.ceil(len(documents) / DOCS_PER_CHUNK))
    chunks: list[dict[str, list]] = [{} for _ in range(chunk_count)]
    for paper in digest.papers:
        chunks[chunk_of(paper.slug, chunk_count)][paper.slug] = [
            paper.title, paper.url, paper.date.isoformat() if paper.date else None,
            paper.topics, " ".join(paper.abstract)]
    for number, chunk in enumerate(chunks):
        files[f"search/docs/{number}.js"] = (
            f"sitegenSearch.docs({number},{_json(dict(sorted(chunk.items())))});\n")

    years = sorted({paper.date.year for paper in digest.papers if paper.date}, reverse=True)
    manifest = {"version": LUNR_VERSION, "fields": index["fields"], "pipeline": index["pipeline"],
                "parts": part_starts, "chunks": chunk_count, "count": len(documents),
                "topics": [[slug, name] for slug, name in topic_names.items()], "years": years}
    files["search/manifest.js"] = f"sitegenSearch.manifest({_json(manifest)});\n"
    return files


def _json(value) -> str:
    """Compact JSON that is also safe inside a script file loaded by a page."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
