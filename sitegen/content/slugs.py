"""Paper identity: the key that says two titles are the same paper, and its URL slug.

A slug depends on the title alone, never on the other papers or the order of
the dumps, so adding or removing a dump never moves an existing paper's page.
Where the readable form loses information (non-ASCII letters, truncation, a
title without letters), a short hash of the title key is appended, so titles
that read alike still get distinct slugs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG_LENGTH = 80
HASH_LENGTH = 8


def title_key(title: str) -> str:
    """Titles equal under NFKC, case folding and folding of whitespace and punctuation."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    key = " ".join(re.sub(r"[\W_]+", " ", folded).split())
    return key or " ".join(folded.split())


def title_hash(key: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:length]


# A slug that ends as a hashed one does (`-` and HASH_LENGTH hex digits) could be another
# title's hashed slug ("Paper e84c538e" and "!!!"): such a title is hashed too, so that no
# title's slug can be another's, whichever came first.
_LOOKS_HASHED = re.compile(rf"(^|-)[0-9a-f]{{{HASH_LENGTH}}}$")


def slugify(title: str, key: str | None = None) -> str:
    """Readable ASCII slug: lowercase words joined by hyphens, at most 80 characters.
    Where it cannot spell the title's key exactly, or its last word is shaped like a
    hash, a hash of the key is appended: no two keys ever share a slug (but for a
    collision of the hash itself).  `key`: the title's `title_key`, if known."""
    key = title_key(title) if key is None else key
    ascii_text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", title))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    base = "-".join(re.findall(r"[a-z0-9]+", ascii_text))
    if base and base == key.replace(" ", "-") and len(base) <= MAX_SLUG_LENGTH \
            and not _LOOKS_HASHED.search(base):
        return base  # the slug spells the key exactly, so it cannot collide
    room = MAX_SLUG_LENGTH - HASH_LENGTH - 1
    if len(base) > room:
        cut = base.rfind("-", 0, room + 1)
        base = base[: cut if cut > 0 else room]
    return f"{base or 'paper'}-{title_hash(key)}"
