"""Page keys: one fingerprint of everything a page's content can depend on.

A page is a template rendered with its view: the values the page step hands it
(papers, pagers, topic groups, strings, dicts; see `site.pages.Page`).  Its key is a
hash of every template's source and of the whole view, pickled: every field of every
value in it, so it cannot go stale when a template starts to read a field it did not
read before: what a template can read is exactly what its view holds.  A dataclass (a
paper, a topic, the digest, the site's settings) is pickled once per build and stands in
the pages that hold it as that pickle's fingerprint, so no view may change once keyed.  A value
pickle cannot write (a lambda, say) gives no key, and a page without a key is always
rendered.  Pickle writes an object met twice as a reference to the first, so a key
also says which equal values are one object: a build whose values are shared
differently renders pages again for nothing (never the other way round).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle

import jinja2

from .errors import BuildError


def template_sources_key(env: jinja2.Environment) -> str:
    """A fingerprint of every template the environment can load, by name and source."""
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(env.list_templates()):
        try:
            source, _, _ = env.loader.get_source(env, name)
        except (jinja2.TemplateNotFound, UnicodeDecodeError) as error:
            raise BuildError(f"cannot read template {name}: {error}") from None
        digest.update(f"{name}\x1e{source}\x1d".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class PageKeys:
    """Keys for the pages of one build.  Dataclasses shared by pages are remembered by
    identity with the object itself, so that no id is reused while the build runs."""

    def __init__(self, templates_key: str):
        self.templates_key = templates_key
        self.shared: dict[int, tuple[object, tuple]] = {}  # id -> (dataclass, how it is pickled)
        self.fields: dict[type, tuple[str, ...] | None] = {}  # the fields pages show; None: not a dataclass

    def key(self, template_name: str, view: dict) -> str | None:
        try:
            return _digest(self.pickled((self.templates_key, template_name, view)))
        except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):  # a lambda...
            return None

    def pickled(self, value) -> bytes:
        buffer = io.BytesIO()
        _KeyPickler(buffer, self).dump(value)
        return buffer.getvalue()


class _KeyPickler(pickle.Pickler):
    """Pickles a dataclass as the fingerprint of its type's full name and the fields
    pages show, worked out once per object; anything else as pickle does."""

    def __init__(self, file, keys: PageKeys):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.keys = keys

    def reducer_override(self, value):  # (never asked about a str, number, list or dict)
        known = self.keys.shared.get(id(value))
        if known is not None:
            return known[1]
        kind = type(value)
        if kind not in self.keys.fields:
            self.keys.fields[kind] = _shown_fields(kind)
        fields = self.keys.fields[kind]
        if fields is None:
            return NotImplemented
        named = f"{kind.__module__}.{kind.__qualname__}"
        fingerprint = _digest(self.keys.pickled((named, [getattr(value, name) for name in fields])))
        reduced = self.keys.shared[id(value)] = (value, (_fingerprinted, (fingerprint,)))
        return reduced[1]


def _fingerprinted(fingerprint: str) -> None:
    """What a dataclass is pickled as in a key (never unpickled)."""


def _shown_fields(kind: type) -> tuple[str, ...] | None:
    """A dataclass's fields but those marked `metadata={"shown": False}` (a build's
    warnings, say: no page shows them); None if `kind` is not a dataclass."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(field.name for field in dataclasses.fields(kind) if field.metadata.get("shown", True))


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
