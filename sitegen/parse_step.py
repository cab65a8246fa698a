"""The parse step: every source read and parsed into a `Dump`, and every entry's text
matched against the topic rules as it goes (the model asks the matcher for the answers).
A dump the build cache has seen is not parsed again; past `PARALLEL_PARSE_BYTES` of
dumps to parse, the later half goes to a forked process (`parallel.Child`) while this
one parses the earlier."""

from __future__ import annotations

import functools

from .cache import BuildCache
from .config import SiteConfig, Source
from .content.dumps import Dump, parse_dump_bytes
from .content.model import match_topics_ahead
from .content.topics import TopicMatcher
from .errors import Diagnostic, warning
from .parallel import Child, ChildFailed

# Parsing and matching topics take 0.1 s a megabyte of dumps, on one core while the
# other idles: past this many bytes to parse, half go to a forked process.
PARALLEL_PARSE_BYTES = 4 << 20


def read_and_parse(config: SiteConfig, matcher: TopicMatcher, cache: BuildCache | None):
    """(the readable sources with their bytes, the problems found), and their dumps."""
    readable, problems = read_sources(config)
    contents = [(source.display, data, source.format) for source, data in readable]
    parse_all = functools.partial(parse_dumps, matcher=matcher)  # topics matched as it goes
    dumps = cache.parsed_dumps(contents, parse_all) if cache is not None else parse_all(contents)
    return (readable, problems), dumps


def read_sources(config: SiteConfig) -> tuple[list[tuple[Source, bytes]], list[Diagnostic]]:
    """Every source that can be read, with its bytes; the configuration's warnings and one
    for each source that cannot."""
    readable, problems = [], list(config.warnings)
    for source in config.sources:
        try:
            readable.append((source, source.path.read_bytes()))
        except OSError as error:
            problems.append(warning(source.display, None, f"cannot read the dump: "
                                                          f"{error.strerror or error}; skipped"))
    return readable, problems


def parse_dumps(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher) -> list[Dump]:
    """Each (path shown, content, forced shape) parsed, and every entry's text matched
    against the topic rules, the answers left in `matcher` for the model: the later half
    of a large batch in a forked process while this one does the earlier."""
    total = sum(len(data) for _, data, _ in contents)
    if total < PARALLEL_PARSE_BYTES or len(contents) < 2:
        return _parse_and_match(contents, matcher)
    running, split = 0, 0
    while split < len(contents) - 1 and running < total / 2:
        running += len(contents[split][1])
        split += 1
    with Child(_parse_and_match, contents[split:], matcher, True) as later_half:
        later_half.start()
        earlier = _parse_and_match(contents[:split], matcher)
        try:
            later, matches = later_half.result()
        except ChildFailed:  # parsed here, where what fails is reported
            return earlier + _parse_and_match(contents[split:], matcher)
    matcher.remember_matches(matches)
    return earlier + later


def _parse_and_match(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher,
                     with_matches: bool = False):
    """The dumps (and, `with_matches`, what `matcher` learnt, to hand back to the parent)."""
    dumps = [parse_dump_bytes(data, display, shape) for display, data, shape in contents]
    match_topics_ahead(dumps, matcher)
    return (dumps, matcher.known_matches()) if with_matches else dumps
