"""Data files too large for one file: written in pieces, read back whole.

GitHub warns about files over 50 MB and refuses them over 100 MB.  The two data files
that grow with the digest, papers.json and search/lunr.json, are written whole while
they stay under PIECE_BYTES; past it, NAME holds a small JSON object that lists its
pieces, and the pieces NAME.001, NAME.002, … (in the same folder), concatenated in that
order, are the file's text exactly:

    {"pieces": ["papers.json.001", "papers.json.002"], "bytes": 61234567}

Each piece ends between two whole records (papers, or entries of the index), so each
is valid UTF-8 text on its own, but only their concatenation is JSON.  `join_pieces`
reads a file either way, through any reader (a folder, a URL, a git commit).
"""

from __future__ import annotations

import json
from typing import Callable, Iterable, Iterator

PIECE_BYTES = 40 * 2**20
POINTER_START = b'{"pieces":'


def piece_names(name: str, count: int) -> list[str]:
    return [f"{name}.{number:03d}" for number in range(1, count + 1)]


def pointer(name: str, count: int, size: int) -> bytes:
    """The text NAME holds when it is written in `count` pieces of `size` bytes in all."""
    folder_free = [piece.rsplit("/", 1)[-1] for piece in piece_names(name, count)]
    return json.dumps({"pieces": folder_free, "bytes": size}, separators=(",", ":")).encode() + b"\n"


def grouped(chunks: Iterable[bytes]) -> Iterator[list[bytes]]:
    """The chunks in groups of at most PIECE_BYTES (a chunk larger than that alone; one
    empty group for no chunks)."""
    group: list[bytes] = []
    size = 0
    for chunk in chunks:
        if group and size + len(chunk) > PIECE_BYTES:
            yield group
            group, size = [], 0
        group.append(chunk)
        size += len(chunk)
    yield group


def split_records(data: bytes, boundary: bytes) -> list[memoryview]:
    """`data` cut into pieces of at most PIECE_BYTES, each cut just before a `boundary`
    (which starts every record); one piece when it fits.  The pieces are views of
    `data`, not copies."""
    limit = PIECE_BYTES
    view = memoryview(data)
    pieces, start = [], 0
    while len(data) - start > limit:
        cut = data.rfind(boundary, start + 1, start + limit + 1)
        if cut <= start:  # one record larger than a piece: it is cut after it
            cut = data.find(boundary, start + 1)
            if cut == -1:
                break
        pieces.append(view[start:cut])
        start = cut
    pieces.append(view[start:])
    return pieces


def join_pieces(read: Callable[[str], bytes | None], name: str,
                limit: int | None = None) -> bytes | bytearray | None:
    """The whole text of NAME as `read(name)` gives it, its pieces joined when it was
    written in pieces (`read` is given the pieces' names beside NAME's, and returns None
    for a missing file).  ValueError for a pointer whose pieces are missing, or whose
    total passes `limit`."""
    data = read(name)
    if data is None or not data.startswith(POINTER_START):
        return data
    try:
        listed = json.loads(data)
        names, size = listed["pieces"], listed.get("bytes", 0)
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{name} lists its pieces in a form sitegen does not write") from None
    folder, slash, own_name = name.rpartition("/")
    if not isinstance(names, list) or not all(isinstance(n, str) and n.startswith(own_name + ".")
                                              and "/" not in n for n in names):
        raise ValueError(f"{name} lists pieces that are not its own")
    if limit is not None and isinstance(size, int) and size > limit:
        raise ValueError(f"{name} says it is {size >> 20} MB, more than {limit >> 20} MB")
    joined = bytearray()  # (read into one buffer: 100,000 papers' records are 180 MB)
    for piece in names:
        text = read(folder + slash + piece)
        if text is None:
            raise ValueError(f"{name} is written in pieces and {piece} is missing")
        joined += text
    return joined
