"""Page keys: one fingerprint of everything a page's content can depend on.

A page is a template rendered with its view: the values the page step hands it
(papers, pagers, topic groups, strings, dicts; see `site.pages.Page`).  Its key is a
hash of every template's source and of the whole view, every field of every value
in it, so it cannot go stale when a template starts to read a field it did not
read before: what a template can read is exactly what its view holds.  Values
shared by many pages (papers, the site's settings, topic names) are fingerprinted
once per build.  A value of a kind this module does not know (a function, say)
gives no key, and a page without a key is always rendered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import marshal
from pathlib import PurePath

import jinja2

from .errors import BuildError

_SCALARS = (str, int, float, bool, type(None))


class Unkeyable(Exception):
    """A view value that cannot be fingerprinted: the page is always rendered."""


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
    """Keys for the pages of one build.  Objects shared by pages are remembered by
    identity with the object itself, so that no id is reused while the build runs."""

    def __init__(self, templates_key: str):
        self.templates_key = templates_key
        self._shared: dict[int, tuple[object, str]] = {}

    def key(self, template_name: str, view: dict) -> str | None:
        try:
            parts = [self.templates_key, template_name]
            for name in sorted(view):
                parts.append(name)
                parts.append(self._fingerprint(view[name]))
        except Unkeyable:
            return None
        return _digest("\x1f".join(parts).encode("utf-8", "surrogatepass"))

    def _fingerprint(self, value) -> str:
        kind = type(value)
        if kind in _SCALARS or isinstance(value, (str, int, float, dt.date, PurePath)):
            return f"{kind.__name__}:{value!r}"  # (a subclass, Markup say, by its name too)
        known = self._shared.get(id(value))
        if known is not None:
            return known[1]
        if kind is list or kind is tuple:
            text = f"{kind.__name__}[" + ",".join(map(self._fingerprint, value)) + "]"
        elif kind is dict:
            text = "{" + ",".join(f"{self._fingerprint(k)}:{self._fingerprint(v)}"
                                  for k, v in value.items()) + "}"
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            text = _plain_fields(value)
            if text is None:
                text = kind.__name__ + "(" + ",".join(
                    f"{field.name}={self._fingerprint(getattr(value, field.name))}"
                    for field in _shown_fields(value)) + ")"
        else:
            raise Unkeyable(kind.__name__)
        fingerprint = _digest(text.encode("utf-8", "surrogatepass"))
        self._shared[id(value)] = (value, fingerprint)
        return fingerprint


def _plain_fields(value) -> str | None:
    """A dataclass made of plain values only (a paper): its fields written by marshal,
    in C, dates as day numbers; None if any field holds anything else."""
    values = tuple(_marshallable(getattr(value, field.name)) for field in _shown_fields(value))
    try:
        return type(value).__name__ + marshal.dumps(values, 0).hex()
    except ValueError:
        return None


def _shown_fields(value) -> list:
    """A dataclass's fields but those marked `metadata={"shown": False}` (a build's
    warnings, say: no page shows them)."""
    return [field for field in dataclasses.fields(value) if field.metadata.get("shown", True)]


def _marshallable(value):
    kind = type(value)
    if kind is dt.date:
        return ("date", value.toordinal())
    if kind is list and value and type(value[0]) is dt.date:  # capture dates
        try:
            return ("dates", [day.toordinal() for day in value])
        except AttributeError:  # not all dates: left to fail, and walked
            pass
    return value


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
