"""Short stable paper ids: what the search index names papers by, and papers.json states.

A slug is long (up to 80 characters) and the whole search index names a paper once per
word it holds, so its refs are ids instead: a letter and six lower-case letters or digits,
made from a hash of the slug alone.  Like the slug, a paper's id is the same in every
build and does not depend on the other papers; it starts with a letter, so that no id
is ever read as a number (JavaScript orders an object's number-like keys first, which
would reorder lunr.js's results where scores tie).  Where two slugs of one digest hash
to the same seven characters (about one chance in eleven at 100,000 papers), both get
a longer id, made the same way from more of the hash.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

ID_LENGTH = 7
LONG_ID_LENGTH = 12
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _id_of(slug: str, length: int) -> str:
    number = int.from_bytes(hashlib.blake2b(slug.encode("utf-8"), digest_size=10).digest(), "big")
    number, first = divmod(number, len(_LETTERS))
    characters = [_LETTERS[first]]
    for _ in range(length - 1):
        number, digit = divmod(number, len(_DIGITS))
        characters.append(_DIGITS[digit])
    return "".join(characters)


def paper_ids(slugs: list[str]) -> dict[str, str]:
    """Slug -> id for every slug (slugs are unique within a digest)."""
    ids = {slug: _id_of(slug, ID_LENGTH) for slug in slugs}
    if len(set(ids.values())) == len(ids):
        return ids
    sharing: dict[str, list[str]] = defaultdict(list)
    for slug, short in ids.items():
        sharing[short].append(slug)
    for group in sharing.values():
        if len(group) > 1:
            for slug in group:
                ids[slug] = _id_of(slug, LONG_ID_LENGTH)
    taken: set[str] = set()
    for slug in sorted(ids):  # a collision of 12 characters too: never seen, still unique
        while ids[slug] in taken:
            ids[slug] = _id_of(ids[slug] + slug, LONG_ID_LENGTH)
        taken.add(ids[slug])
    return ids
