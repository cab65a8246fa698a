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
always rendered.  Objects count only with the fields their templates name
(`paper.title`, `groupby("date")`): a listing does not show a paper's similar
papers or source lines, and no page shows the list of dumps in the
configuration, so a change there leaves those pages alone.  Naming a property or
method of a class counts all its fields (it may read any), and a template that
reads attributes by a computed name (`paper[name]`) depends on every field of
everything.  A value that reads fields of its own accord, as the JSON-LD of a
paper page does when `tojson_script` writes it, names them (`KEY_ATTRIBUTES`).
(A template printing an object whole, `{{ paper }}`, would show
Python's repr of it: no template does, and keys do not cover it.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import marshal
import operator
from pathlib import PurePath
from typing import Callable

import jinja2
from jinja2 import meta, nodes

from .config import SiteConfig
from .errors import BuildError
from .model import Digest, Paper, TopicGroup

# Objects that live for the whole build and are reachable from many pages: each is
# fingerprinted once (by identity, which is safe while the build holds them).
_SHARED_TYPES = (TopicGroup, Digest, SiteConfig)
_SCALARS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})
_ANALYSED: dict[str, "_Analysis"] = {}
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
# Properties of Paper, the fields they read, and the pages they are on: nearly all.
_PAPER_PROPERTIES = {"url": ("slug",), "first_sentence": ("abstract",)}
# Filters that read the attribute named by their argument (`map(attribute="date")`).
_ATTRIBUTE_FILTERS = frozenset({"attr", "groupby", "map", "max", "min", "rejectattr",
                                "selectattr", "sort", "sum", "unique"})


@dataclasses.dataclass(frozen=True)
class _Analysis:
    variables: frozenset[str]  # context variables read
    referenced: tuple[str | None, ...]  # templates named; None for one named at render time
    attributes: frozenset[str]  # attribute names that may be read
    # Context variables subscripted by a computed key (`topic_names[slug]`): harmless
    # if they hold dicts.  None: something else is (`paper[name]`), so any attribute
    # may be read.
    subscripted: frozenset[str] | None


def known_analyses() -> dict[str, _Analysis]:
    """Every template source analysed so far, with what it reads and names."""
    return dict(_ANALYSED)


def remember_analyses(analyses: dict[str, _Analysis]) -> None:
    _ANALYSED.update(analyses)


class Unkeyable(Exception):
    """A context value the walker cannot fingerprint: the page is always rendered."""


# A paper's fingerprints by the fields they cover (`_fields`, joined by "\x1f").
Fingerprints = dict[str, str]


class PageKeys:
    """Keys for one build: template closures and shared objects are worked out once.

    Papers' fingerprints can outlive the build: `carried` is what `carried_forward`
    gave after the last one (serve keeps it in memory), and a paper of the digest
    (`by_slug`) equal to the one of its slug there has its fingerprints: comparing
    costs a fraction of working them out.  On disk the paper is its fingerprint over
    every field (`storable`), which a paper has to match."""

    def __init__(self, env: jinja2.Environment, by_slug: dict[str, Paper] | None = None,
                 carried: dict[str, tuple[Paper | str, Fingerprints]] | None = None):
        self.env = env
        self._by_slug = by_slug or {}
        self._carried = carried or {}
        self._forward: dict[str, Fingerprints] = {}  # slug -> fingerprints, of the digest's papers
        self._of_paper: dict[int, Fingerprints] = {}  # id(paper) -> its fingerprints
        self._held: list[Paper] = []  # papers fingerprinted that the digest does not hold
        self._made: list[tuple[str, str, str]] = []  # (slug, fields, fingerprint)
        self._templates: dict[str, tuple] = {}
        self._closures: dict[str, tuple[str, ...]] = {}  # template -> all the templates it uses
        self._shared: dict[tuple, str] = {}  # (id(object), attributes or fields) -> fingerprint
        # Dicts by identity, with the dict itself: held here, its id cannot be reused by
        # another object while this build runs (`topic_names` is on every page).
        self._dicts: dict[tuple, tuple[dict, str]] = {}
        # attributes read -> ({id(paper): fingerprint}, the fields shown, joined); one table
        # for every set of attributes that shows the same fields.
        self._paper_kinds: dict = {}
        self._paper_tables: dict[tuple[str, ...], dict[int, str]] = {}
        self._names: dict[tuple, list[str]] = {}  # (template, *context names) -> names read
        self._plans: dict[tuple, object] = {}  # (type, attributes) -> how to walk one (`_plan`)

    def key(self, template_name: str, context: dict) -> str | None:
        variables, attributes, subscripted, sources = self._template(template_name)
        if variables is None:
            return None
        if subscripted is None or any(type(context.get(name)) is not dict for name in subscripted):
            attributes = None  # attributes read by computed names: every field counts
        parts = [sources]
        names = self._names.get((template_name, *context))
        if names is None:  # the same for every page of a kind: worked out once
            names = self._names[(template_name, *context)] = sorted(variables & context.keys())
        papers = self._paper_kind(attributes)[0]
        try:
            for name in names:
                parts.append(name)
                value = context[name]
                if type(value) is Paper:  # the commonest values, looked up inline
                    parts.append(papers.get(id(value)) or self._paper(value, attributes))
                elif type(value) is str:
                    parts.append(repr(value))
                else:
                    self._walk(value, parts, attributes)
        except Unkeyable:
            return None
        return _digest("\x1f".join(parts))

    def _template(self, name: str) -> tuple[frozenset[str] | None, frozenset[str],
                                            frozenset[str] | None, str]:
        """(variables read, attribute names read, variables subscripted by computed keys,
        fingerprint of the sources) of a template and all it uses; no variables (None)
        when it names a template only known at render time (see `_Analysis` for the
        subscripted ones)."""
        if name not in self._templates:
            variables: set[str] = set()
            attributes: set[str] = set()
            subscripted: set[str] | None = set()
            dynamic = False
            sources: list[str] = []
            pending, seen, found = [name], set(), []
            while pending:
                current = pending.pop()
                if current in seen:
                    continue
                seen.add(current)
                try:
                    source, filename, _ = self.env.loader.get_source(self.env, current)
                except jinja2.TemplateNotFound:  # the page's rendering tells, at the line naming it
                    dynamic = True
                    continue
                found.append(current)
                sources.append(f"{current}\x1e{filename}\x1e{source}")
                try:
                    analysis = self._analysed(source)
                except jinja2.TemplateSyntaxError as error:
                    raise BuildError(f"{filename}:{error.lineno}: template syntax error: "
                                     f"{error.message}") from None
                variables |= analysis.variables
                attributes |= analysis.attributes
                if subscripted is not None and analysis.subscripted is not None:
                    subscripted |= analysis.subscripted
                else:
                    subscripted = None
                dynamic = dynamic or None in analysis.referenced
                pending.extend(other for other in analysis.referenced if other is not None)
            self._closures[name] = tuple(sorted(found))
            self._templates[name] = (None if dynamic else frozenset(variables),
                                     frozenset(attributes),
                                     None if subscripted is None else frozenset(subscripted),
                                     _digest("\x1d".join(sorted(sources))))
        return self._templates[name]

    def templates_used(self, names) -> set[str]:
        """Every template that those named extend, include or import (named in their
        source), and they: analysed now, so that renderers forked later need not."""
        used = set()
        for name in names:
            self._template(name)
            used.update(self._closures[name])
        return used

    def _analysed(self, source: str) -> _Analysis:
        """What a template's source reads and names; remembered across builds (and kept
        in the build cache: `known_analyses`), as parsing takes a while."""
        found = _ANALYSED.get(source)
        if found is None:
            if len(_ANALYSED) > 256:  # edits in a long `serve` session
                _ANALYSED.clear()
            tree = self.env.parse(source)
            variables = frozenset(meta.find_undeclared_variables(tree))  # folds constants too
            attributes = {node.attr for node in tree.find_all(nodes.Getattr)}
            for node in tree.find_all(nodes.Const):  # `paper["title"]`, `map(attribute="a.b")`
                if isinstance(node.value, str):
                    attributes.update(node.value.split("."))
            # A slice (`papers[:n]`) reads no attribute; any other computed key may.
            bases = [node.node for node in tree.find_all(nodes.Getitem)
                     if not isinstance(node.arg, (nodes.Const, nodes.Slice))]
            subscripted = frozenset(base.name for base in bases if isinstance(base, nodes.Name))
            computed = not all(isinstance(base, nodes.Name) for base in bases)
            computed = computed or not subscripted <= variables or any(
                not isinstance(argument, nodes.Const)
                for node in tree.find_all(nodes.Filter) if node.name in _ATTRIBUTE_FILTERS
                for argument in [*node.args, *(pair.value for pair in node.kwargs),
                                 *filter(None, (node.dyn_args, node.dyn_kwargs))])
            found = _ANALYSED[source] = _Analysis(
                variables, tuple(meta.find_referenced_templates(tree)), frozenset(attributes),
                None if computed else subscripted)
        return found

    def _walk(self, value, parts: list[str], attributes: frozenset[str] | None) -> None:
        kind = type(value)
        if kind is Paper:
            parts.append(self._paper(value, attributes))
        elif kind in _SCALARS:
            parts.append(repr(value))  # repr tells "1" from 1 and escapes separators
        elif kind in _SHARED_TYPES:
            memo = (id(value), attributes)
            fingerprint = self._shared.get(memo)
            if fingerprint is None:
                inner: list[str] = []
                self._walk_fields(value, inner, attributes)
                fingerprint = self._shared[memo] = _digest("\x1f".join(inner))
            parts.append(fingerprint)
        elif kind is list or kind is tuple:
            parts.append(f"[{len(value)}")
            papers = self._paper_kind(attributes)[0]  # listings hold many: looked up at once
            found = [*map(papers.get, map(id, value))]  # (an id there is a live paper's)
            if None not in found:
                parts.extend(found)
                return
            for item in value:
                fingerprint = papers.get(id(item)) if type(item) is Paper else None
                if fingerprint is not None:
                    parts.append(fingerprint)
                else:
                    self._walk(item, parts, attributes)
        elif kind is dict:
            memo = (id(value), attributes)
            found = self._dicts.get(memo)
            if found is None:
                try:  # plain data (JSON-LD, say) is written out in C; a list and a tuple
                    # look alike there, but one build's code always makes the same one
                    text = _JSON.encode(value)
                except (TypeError, ValueError):  # papers, dates: walked
                    inner = [f"{{{len(value)}"]
                    for item_key, item in value.items():
                        self._walk(item_key, inner, attributes)
                        self._walk(item, inner, attributes)
                    text = "\x1f".join(inner)
                found = self._dicts[memo] = (value, _digest(text))
            parts.append(found[1])
        else:
            plan = self._plans.get((kind, attributes))
            if plan is None:
                plan = self._plans[(kind, attributes)] = _plan(kind, attributes)
            if plan is _SCALAR_SUBCLASS:
                parts.append(f"{kind.__name__}:{value!r}")
            elif plan is _UNKEYABLE:
                raise Unkeyable(kind.__name__)
            else:
                inner_attributes, fields = plan
                parts.append(kind.__name__)
                for name in fields:
                    parts.append(name)
                    self._walk(getattr(value, name), parts, inner_attributes)

    def _paper(self, paper: Paper, attributes: frozenset[str] | None) -> str:
        """A paper's fingerprint over the fields shown (templates that show the same fields
        share it)."""
        papers, fields = self._paper_kind(attributes)
        fingerprint = papers.get(id(paper))
        if fingerprint is None:
            known = self._of_paper.get(id(paper))
            if known is None:
                known = self._of_paper[id(paper)] = self._carried_for(paper)
            fingerprint = known.get(fields)
            if fingerprint is None:
                fingerprint = known[fields] = _paper_fingerprint(paper, attributes)
                if known is self._forward.get(paper.slug):
                    self._made.append((paper.slug, fields, fingerprint))
            papers[id(paper)] = fingerprint
        return fingerprint

    def _carried_for(self, paper: Paper) -> Fingerprints:
        """The fingerprints `paper` had in the last build if it is unchanged since; an
        object that is not the digest's paper of its slug (a copy) is not carried."""
        if self._by_slug.get(paper.slug) is not paper:
            self._held.append(paper)  # alive while the build runs, so its id stays its own
            return {}
        before = self._carried.get(paper.slug)
        if before is None:
            known = {}
        elif type(before[0]) is str:  # from disk: the same paper has the same fingerprint
            whole = _paper_fingerprint(paper, None)
            known = before[1] if before[0] == whole else {}
            known[_EVERY_FIELD] = whole  # (which `_whole` then finds)
        else:
            known = before[1] if before[0] == paper else {}
        self._forward[paper.slug] = known
        return known

    def take_made(self) -> list[tuple[str, str, str]]:
        """The digest's papers' fingerprints worked out since the last call (by a forked
        renderer: for `add_made_elsewhere` in the building process)."""
        made, self._made = self._made, []
        return made

    def add_made_elsewhere(self, made: list[tuple[str, str, str]]) -> None:
        for slug, fields, fingerprint in made:
            self._forward.setdefault(slug, {}).setdefault(fields, fingerprint)

    def carried_forward(self) -> dict[str, tuple[Paper, Fingerprints]]:
        """The digest's papers with the fingerprints this build gave them, for the next
        build (`carried`)."""
        return {slug: (self._by_slug[slug], known) for slug, known in self._forward.items()}

    @staticmethod
    def storable(carried: dict[str, tuple[Paper | str, Fingerprints]]) -> dict[str, tuple[str, Fingerprints]]:
        """`carried_forward`'s papers each as its fingerprint over every field, to be
        pickled (the papers themselves would double the build cache)."""
        stored = {}
        for slug, (paper, known) in carried.items():
            stored[slug] = (paper if type(paper) is str else _whole(paper, known), known)
        return stored

    def _paper_kind(self, attributes: frozenset[str] | None) -> tuple[dict[int, str], str]:
        """(id(paper) -> fingerprint, the fields shown joined) for templates that read
        `attributes` (papers live as long as the digest that holds them, so their ids
        stay theirs)."""
        kind = self._paper_kinds.get(attributes)
        if kind is None:
            fields = _fields(Paper, attributes)
            kind = self._paper_kinds[attributes] = (self._paper_tables.setdefault(fields, {}),
                                                    "\x1f".join(fields))
        return kind

    def _walk_fields(self, value, parts: list[str], attributes: frozenset[str] | None) -> None:
        parts.append(type(value).__name__)
        for name in _fields(type(value), attributes):
            parts.append(name)
            self._walk(getattr(value, name), parts, attributes)


_SCALAR_SUBCLASS, _UNKEYABLE = object(), object()


def _plan(kind: type, attributes: frozenset[str] | None):
    """How `_walk` fingerprints a value of `kind` that is none of the kinds it knows by
    name: as a scalar (a subclass of one: Markup, Path), by its fields (a dataclass:
    the attributes its fields are read with, and the fields), or not at all."""
    if issubclass(kind, (str, int, float, dt.date, PurePath)):
        return _SCALAR_SUBCLASS
    if not dataclasses.is_dataclass(kind) or issubclass(kind, type):
        return _UNKEYABLE
    own = getattr(kind, "KEY_ATTRIBUTES", None)  # a value that reads fields of its own
    if own is not None and attributes is not None:  # accord (JSON-LD) says which (in the
        attributes = attributes | own  # default theme, those the page shows anyway)
    return attributes, _fields(kind, attributes)


def _paper_fingerprint(paper: Paper, attributes: frozenset[str] | None) -> str:
    """Papers are many and made of plain values, which marshal writes in C; version 0
    writes a string the same way whether or not it is interned.  Dates, which it cannot
    write, become day numbers (repr, the way out for anything else, is ten times slower)."""
    values = _field_values(Paper, attributes)(paper)
    try:
        data = marshal.dumps(tuple(map(_marshallable, values)), 0)
    except ValueError:
        data = repr(values).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _marshallable(value):
    kind = type(value)
    if kind is dt.date:
        return ("date", value.toordinal())
    if kind is list and value and type(value[0]) is dt.date:  # `capture_dates`
        try:
            return ("dates", [day.toordinal() for day in value])
        except AttributeError:  # not all dates: left to repr
            pass
    return value


@functools.lru_cache(maxsize=256)
def _field_values(cls: type, attributes: frozenset[str] | None) -> Callable[[object], tuple]:
    """A function giving the values of the fields `_fields` names, as one tuple."""
    names = _fields(cls, attributes)
    if len(names) > 1:
        return operator.attrgetter(*names)
    return lambda value: tuple(getattr(value, name) for name in names)


@functools.lru_cache(maxsize=256)
def _fields(cls: type, attributes: frozenset[str] | None) -> tuple[str, ...]:
    """The fields of a dataclass that templates reading `attributes` can show."""
    every = tuple(field.name for field in dataclasses.fields(cls))
    if attributes is None:
        return every
    wanted = set()
    for name in attributes:
        if name in every:
            wanted.add(name)
        elif cls is Paper and name in _PAPER_PROPERTIES:
            wanted.update(_PAPER_PROPERTIES[name])
        elif hasattr(cls, name):  # a property or method: it may read any field
            return every
    return tuple(name for name in every if name in wanted)


_EVERY_FIELD = "\x1f".join(_fields(Paper, None))  # the Fingerprints key of a whole paper


def _whole(paper: Paper, known: Fingerprints) -> str:
    """`paper`'s fingerprint over every field, kept in its `known` fingerprints."""
    if _EVERY_FIELD not in known:
        known[_EVERY_FIELD] = _paper_fingerprint(paper, None)
    return known[_EVERY_FIELD]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
