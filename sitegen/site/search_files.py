"""The search index cut for the browser: every file under search/ but the whole index.

The browser never downloads search/lunr.json.  lunr.js scores a document, per field,
as a dot product over the query's terms divided by the query vector's length,
so an index that holds only some terms (their postings and their entries in
the field vectors) ranks exactly like the whole index for queries made of
those terms.  The terms, sorted, are cut into parts of roughly equal size;
a query loads only the parts its terms fall in (a `prefix*` term loads the
parts its range spans), the page merges them into one small serialised index
and lets lunr.js load and search it.  Result details (title, date, topics,
abstract) come from a document store cut into chunks of consecutive documents, where
the papers' ids say (`document_chunks`), so that a new day's papers leave the
other chunks as they were; the manifest gives each chunk's size, and the files under
search/chunks/ their names.  The whole index is written in pieces when it would pass
the file limit (`pieces.py`).  Every part is a script file, so search works from
`file://` too.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .. import pieces
from ..content.model import Digest
from .search import FIELDS, LUNR_VERSION, WHOLE_INDEX, Collected, Tokenised, collect, documents_of, \
    postings, script_json, whole_index_pieces

if TYPE_CHECKING:  # NumPy itself is imported where it is used: `check` and `--help` skip it
    import numpy as np

PART_TARGET_BYTES = 32_000
DOCS_PER_CHUNK = 16
# The chunks' names (each its first paper's id) are listed this many to a file, which a
# search loads as its results need: in the manifest, which every search loads, the
# names of 100,000 papers' chunks were 40 KB of gzip.
NAMES_PER_FILE = 256


def search_fingerprint(digest: Digest, topic_names: dict[str, str]) -> str:
    """A fingerprint of everything `search_files` reads: equal fingerprints, equal files.
    (marshal's version 2 writes plain values the same way each time, without the
    back-references later versions add for shared objects; three times faster than repr.)"""
    inputs = marshal.dumps((LUNR_VERSION, FIELDS, PART_TARGET_BYTES, DOCS_PER_CHUNK, NAMES_PER_FILE,
                            pieces.PIECE_BYTES,
                            list(topic_names.items()),
                            [(p.slug, p.title, p.url, p.date.toordinal() if p.date else None,
                              p.topics, p.abstract, p.org_name, p.org_account)
                             for p in digest.papers]), 2)
    return hashlib.blake2b(inputs, digest_size=16).hexdigest()


@dataclass(frozen=True)
class SearchFile:
    """One file under search/, made when asked for.  `key` fingerprints what a document
    chunk is made of (a rebuild keeps the chunks whose key it already has); None for the
    files made from the whole index, which change whenever any document does."""

    path: str
    key: str | None
    pieces: Callable[[], Iterable[str]]  # its text, in pieces made as they are asked for

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The file's bytes, about `size` at a time, each chunk made of whole pieces of its
        text (so a file written in pieces is cut between them); the whole text is never
        made at once."""
        batch, length = [], 0
        for piece in self.pieces():
            batch.append(piece)
            length += len(piece)
            if length >= size:
                yield "".join(batch).encode("utf-8")
                batch, length = [], 0
        if batch:
            yield "".join(batch).encode("utf-8")


def search_files(digest: Digest, topic_names: dict[str, str],
                 previous: Tokenised | None = None) -> tuple[Tokenised, Iterator[SearchFile]]:
    """The documents tokenised (for the next build), and every file under search/, each
    made when asked for: the whole index first, then its parts, the document store and
    the manifest."""
    documents = documents_of(digest, topic_names)
    collected, tokenised = collect(documents, previous)
    return tokenised, _files(digest, topic_names, documents, collected)


def _files(digest: Digest, topic_names: dict[str, str], documents: list[dict],
           collected: Collected) -> Iterator[SearchFile]:
    yield SearchFile(WHOLE_INDEX, None, lambda: whole_index_pieces(collected))
    starts, parts = _parts(collected)
    for number, part in enumerate(parts):
        yield SearchFile(f"search/parts/{number}.js", None,
                         functools.partial(_one_piece, "sitegenSearch.part({},{});\n", number, part))

    chunks = document_chunks([document["ref"] for document in documents])
    ends = [start for start, _ in chunks[1:]] + [len(digest.papers)]
    for (start, name), end in zip(chunks, ends):
        entries = [[p.slug, p.title, p.date.isoformat() if p.date else None, p.topics,
                    " ".join(p.abstract)] for p in digest.papers[start:end]]
        key = "docs:" + hashlib.blake2b(marshal.dumps((name, entries), 2), digest_size=16).hexdigest()
        yield SearchFile(f"search/docs/{name}.js", key, functools.partial(_docs_script, name, entries))

    names = [name for _, name in chunks]
    for number, start in enumerate(range(0, len(names), NAMES_PER_FILE)):
        yield SearchFile(f"search/chunks/{number}.js", None, functools.partial(
            _one_piece, "sitegenSearch.names({},{});\n", number, script_json(names[start:start + NAMES_PER_FILE])))

    years = sorted({paper.date.year for paper in digest.papers if paper.date}, reverse=True)
    manifest = {"version": LUNR_VERSION, "fields": collected.field_names, "pipeline": ["stemmer"],
                "parts": starts, "chunkSizes": [end - start for (start, _), end in zip(chunks, ends)],
                "namesPerFile": NAMES_PER_FILE, "count": len(documents),
                "topics": [[slug, name] for slug, name in topic_names.items()], "years": years}
    yield SearchFile("search/manifest.js", None,
                     functools.partial(_one_piece, "sitegenSearch.manifest({});\n", script_json(manifest)))


def document_chunks(ids: list[str]) -> list[tuple[int, str]]:
    """(first document, name) of each chunk of the document store, named by its first
    paper's id.  Once a chunk holds half of DOCS_PER_CHUNK papers, the next paper
    starts a new one if its id hashes to one of DOCS_PER_CHUNK / 2 values, or if the
    chunk has one and a half times DOCS_PER_CHUNK: where chunks are cut depends on the
    papers near the cut, so a paper added, removed or edited changes the chunk it is
    in and usually at most the next (in one case of six, where a cut moves, two or three
    more), not every chunk after it (a day's papers come first)."""
    chunks, length = [], 0
    for position, paper_id in enumerate(ids):
        digest = hashlib.blake2b(paper_id.encode("utf-8"), digest_size=1).digest()
        if position and (length < DOCS_PER_CHUNK // 2 or
                         (length < DOCS_PER_CHUNK * 3 // 2 and digest[0] % (DOCS_PER_CHUNK // 2))):
            length += 1
            continue
        chunks.append((position, paper_id))
        length = 1
    return chunks


def _docs_script(name: str, entries: list[list]) -> list[str]:
    return [f"sitegenSearch.docs({script_json(name)},{script_json(entries)});\n"]


def _one_piece(template: str, *values) -> list[str]:
    return [template.format(*values)]


def _document_steps(collected: Collected) -> "np.ndarray":
    """Per entry, its document's number less that of the entry before it in the same
    (term, field) posting list (the first one's: its number itself)."""
    import numpy as np

    _, ends, order = collected.posting_order
    ordered = collected.document_of_entry[order]
    steps = np.diff(ordered, prepend=0)
    starts = np.asarray([0, *ends[:-1]], dtype=np.int64)
    starts = starts[starts < len(ordered)]
    steps[starts] = ordered[starts]
    by_entry = np.empty_like(steps)
    by_entry[order] = steps
    return by_entry


def _parts(collected: Collected) -> tuple[list[str], list[str]]:
    """The index cut by sorted term into parts of about PART_TARGET_BYTES, in a compact
    form the page expands: each term is [term, _index, per field [step, score, …]], where
    documents are numbers (the page names them `d<number>`), each given as the step from
    the one before it in the list, and scores are thousandths (integers: the page divides
    them by 1000, which gives the very number lunr's JSON holds); the page rebuilds the
    field vectors from the scores, so one score is sent once.  (Steps and thousandths
    halve what the first search downloads, gzip included.)"""
    strings = collected.strings
    documents = strings.numbers[_document_steps(collected)]
    scores = strings.thousandths[strings.score_of_entry]
    starts, parts, current, size = [], [], [], PART_TARGET_BYTES
    for term_id, groups in postings(collected, documents, scores):
        term = collected.terms[term_id]
        entry = f"[{script_json(term)},{term_id},[{','.join('[' + ','.join(group) + ']' for group in groups)}]]"
        if size + len(entry) > PART_TARGET_BYTES and current:
            parts.append(",".join(current))
            current, size = [], 0
        if not current:
            starts.append(term)
        current.append(entry)
        size += len(entry)
    if current:
        parts.append(",".join(current))
    return starts, [f"[{part}]" for part in parts]
