"""Page keys: one fingerprint of everything a page's content depends on.

A page is a template rendered with a context, so its content can only change
when a template it is made of changes, or a context variable those templates
read changes.  Jinja's `meta` module tells which variables a template (with
everything it extends, includes and imports) reads; the key hashes the
templates' sources and those variables' values, nothing else.  A footer that
reads `digest` makes every page depend on every paper; one that does not lets
a corrected title re-render only the pages that show that paper.

Values are fingerprinted by walking them: papers, topic groups, the digest and
the configuration are hashed once per build (they are shared by many pages);
anything the walker does not know gives no key, and a page without a key is
always rendered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import PurePath

import jinja2
from jinja2 import meta

from .config import SiteConfig
from .model import Digest, Paper, TopicGroup

# Objects that live for the whole build and are reachable from many pages: each is
# fingerprinted once (by identity, which is safe while the build holds them).
_SHARED_TYPES = (TopicGroup, Digest, SiteConfig)
_SCALARS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})
_ANALYSED: dict[str, tuple[frozenset[str], tuple[str | None, ...]]] = {}


class Unkeyable(Exception):
    """A context value the walker cannot fingerprint: the page is always rendered."""


class PageKeys:
    """Keys for one build: template closures and shared objects are worked out once."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self._templates: dict[str, tuple[frozenset[str] | None, str]] = {}
        self._shared: dict[int, str] = {}

    def key(self, template_name: str, context: dict) -> str | None:
        variables, sources = self._template(template_name)
        if variables is None:
            return None
        parts = [sources]
        try:
            for name in sorted(variables & context.keys()):
                parts.append(name)
                self._walk(context[name], parts)
        except Unkeyable:
            return None
        return _digest("\x1f".join(parts))

    def _template(self, name: str) -> tuple[frozenset[str] | None, str]:
        """(variables read, fingerprint of the sources) of a template and all it uses;
        no variables (None) when it names a template only known at render time."""
        if name not in self._templates:
            variables: set[str] = set()
            sources: list[str] = []
            dynamic = False
            pending, seen = [name], set()
            while pending:
                current = pending.pop()
                if current in seen:
                    continue
                seen.add(current)
                source, filename, _ = self.env.loader.get_source(self.env, current)
                sources.append(f"{current}\x1e{filename}\x1e{source}")
                read, referenced = self._analysed(source)
                variables |= read
                dynamic = dynamic or None in referenced
                pending.extend(other for other in referenced if other is not None)
            self._templates[name] = (None if dynamic else frozenset(variables),
                                     _digest("\x1d".join(sorted(sources))))
        return self._templates[name]

    def _analysed(self, source: str) -> tuple[frozenset[str], tuple[str | None, ...]]:
        """(variables read, templates named; None for one named at render time) of a
        template's source; remembered across builds, as parsing takes a while."""
        found = _ANALYSED.get(source)
        if found is None:
            if len(_ANALYSED) > 256:  # edits in a long `serve` session
                _ANALYSED.clear()
            tree = self.env.parse(source)
            found = _ANALYSED[source] = (frozenset(meta.find_undeclared_variables(tree)),
                                         tuple(meta.find_referenced_templates(tree)))
        return found

    def _walk(self, value, parts: list[str]) -> None:
        kind = type(value)
        if kind in _SCALARS:
            parts.append(repr(value))  # repr tells "1" from 1 and escapes separators
        elif kind is Paper:
            fingerprint = self._shared.get(id(value))
            if fingerprint is None:  # the repr covers every field but two, added here
                fingerprint = self._shared[id(value)] = _digest(
                    repr((value, value.provenance, value.capture_dates)))
            parts.append(fingerprint)
        elif kind in _SHARED_TYPES:
            fingerprint = self._shared.get(id(value))
            if fingerprint is None:
                inner: list[str] = []
                self._walk_fields(value, inner)
                fingerprint = self._shared[id(value)] = _digest("\x1f".join(inner))
            parts.append(fingerprint)
        elif kind is list or kind is tuple:
            parts.append(f"[{len(value)}")
            for item in value:
                self._walk(item, parts)
        elif kind is dict:
            parts.append(f"{{{len(value)}")
            for item_key, item in value.items():
                self._walk(item_key, parts)
                self._walk(item, parts)
        elif isinstance(value, (str, int, float, dt.date, PurePath)):  # subclasses: Markup, Path
            parts.append(f"{kind.__name__}:{value!r}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            self._walk_fields(value, parts)
        else:
            raise Unkeyable(kind.__name__)

    def _walk_fields(self, value, parts: list[str]) -> None:
        parts.append(type(value).__name__)
        for field in dataclasses.fields(value):
            parts.append(field.name)
            self._walk(getattr(value, field.name), parts)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
