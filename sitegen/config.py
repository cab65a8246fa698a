"""Load and validate `site.yaml`.

Every problem is reported at once, each with the YAML line and the key it is
about, as a `ConfigError` (exit code 2).  Paths in the file are relative to
the file; source globs are expanded here, sorted, so the rest of the pipeline
sees a fixed list of files.
"""

from __future__ import annotations

import datetime as dt
import difflib
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ConfigError, Diagnostic, warning

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME_BYTES = 255  # a file name, on the usual file systems
MAX_PATH_BYTES = 4000
DEFAULT_OUTPUT = "_site"
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str = ""  # Markdown
    match: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One dump file, with what site.yaml says about it."""

    path: Path
    display: str  # relative to the config file, forward slashes: used in messages and pages
    captured: dt.date | None = None
    year: int | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteConfig:
    path: Path
    title: str
    base_url: str
    output: Path
    sources: tuple[Source, ...]
    description: str = ""
    language: str = "en"
    topics: tuple[Topic, ...] = ()
    catch_all: Topic = Topic("other", "Other", "Papers that match none of the topics.")
    per_page: int = DEFAULT_PER_PAGE
    feed_size: int = 50
    redirects: tuple[tuple[str, str, int], ...] = ()  # (old slug, paper slug, YAML line)
    custom_domain: str | None = None  # written to CNAME for GitHub Pages
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, e.g. `/repo/` on GitHub project pages."""
        return urlsplit(self.base_url).path

    @property
    def all_topics(self) -> tuple[Topic, ...]:
        return (*self.topics, self.catch_all)


def normalize_base_url(url: str) -> str | None:
    """`https://x.github.io/repo` -> `https://x.github.io/repo/`; None if not an absolute URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


class _Checker:
    """Walks the YAML node tree, constructing values and collecting problems with lines."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self._constructor = SafeConstructor()

    def error(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.errors.append(Diagnostic(self.path, line, message, "error"))

    def value(self, node: Node):
        return self._constructor.construct_object(node, deep=True)

    def mapping(self, node: Node, where: str, allowed: dict[str, bool]) -> dict[str, Node] | None:
        """Keys to value nodes; reports unknown, duplicate and missing required keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where} must be a mapping of keys to values")
            return None
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(self.value(key_node))
            if key in found:
                self.error(key_node, f"{where}: key '{key}' appears twice")
            elif key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                known = ", ".join(sorted(allowed))
                self.error(key_node, f"{where}: unknown key '{key}'{suggestion}; known keys: {known}")
            else:
                found[key] = value_node
        for key, required in allowed.items():
            if required and key not in found:
                self.error(node, f"{where}: missing required key '{key}'")
        return found

    def string(self, node: Node | None, where: str, default: str | None = None) -> str | None:
        if node is None:
            return default
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            self.error(node, f"{where} must be a non-empty string")
            return default
        return value.strip()

    def integer(self, node: Node | None, where: str, default: int, minimum: int = 1) -> int:
        if node is None:
            return default
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.error(node, f"{where} must be a whole number of at least {minimum}")
            return default
        return value

    def sequence(self, node: Node | None, where: str) -> list[Node]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, f"{where} must be a list")
            return []
        return list(node.value)

    def strings(self, node: Node | None, where: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and node.tag.endswith(":str"):
            return (self.string(node, where),)
        return tuple(
            value for i, item in enumerate(self.sequence(node, where))
            if (value := self.string(item, f"{where}[{i}]")) is not None
        )


def load_config(path: Path, base_url_override: str | None = None,
                output_override: Path | None = None) -> SiteConfig:
    """Read and validate site.yaml; raise ConfigError naming every problem."""
    path = Path(path)
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"no config file at {display} (use -c to name one, or `sitegen init`)")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {display}: {error}")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ConfigError(f"{where}: YAML syntax error: {error.problem or error.context}")
    except yaml.YAMLError as error:
        raise ConfigError(f"{display}: YAML error: {error}")
    if root is None:
        raise ConfigError(f"{display}: the file is empty; it needs at least title, base_url and sources")
    return _check(root, path.resolve(), display, base_url_override, output_override)


def _check(root: Node, path: Path, display: str, base_url_override: str | None,
           output_override: Path | None) -> SiteConfig:
    check = _Checker(display)
    keys = check.mapping(root, "site.yaml", {
        "title": True, "description": False, "base_url": True, "output": False,
        "language": False, "sources": True, "topics": False, "catch_all": False,
        "per_page": False, "feed_size": False, "redirects": False, "custom_domain": False,
    })
    if keys is None:
        raise ConfigError("site.yaml is not valid", check.errors)

    title = check.string(keys.get("title"), "title", "")
    description = check.string(keys.get("description"), "description", "")
    language = check.string(keys.get("language"), "language", "en")
    base_url = _base_url(check, keys.get("base_url"), base_url_override)
    output = _output(check, keys.get("output"), output_override, path.parent)
    topics = _topics(check, keys.get("topics"))
    catch_all = _catch_all(check, keys.get("catch_all"))
    if catch_all.slug in {topic.slug for topic in topics}:
        check.error(keys.get("catch_all"), f"catch_all: slug '{catch_all.slug}' is also a topic's slug")
    known_topics = {topic.slug for topic in topics} | {catch_all.slug}
    sources = _sources(check, keys.get("sources"), path.parent, known_topics, output)
    if isinstance(keys.get("sources"), SequenceNode) and not keys["sources"].value:
        check.error(keys["sources"], "sources: list at least one dump file or glob")

    config = SiteConfig(
        path=path,
        title=title,
        description=description,
        base_url=base_url or "http://localhost/",
        output=output,
        language=language,
        sources=tuple(sources),
        topics=tuple(topics),
        catch_all=catch_all,
        per_page=check.integer(keys.get("per_page"), "per_page", DEFAULT_PER_PAGE),
        feed_size=check.integer(keys.get("feed_size"), "feed_size", 50),
        redirects=_redirects(check, keys.get("redirects")),
        custom_domain=check.string(keys.get("custom_domain"), "custom_domain"),
        warnings=tuple(check.warnings),
    )
    _check_output_is_safe(check, keys.get("output"), config, output_override)
    if check.errors:
        count = len(check.errors)
        raise ConfigError(f"{display}: {count} problem{'s' if count > 1 else ''} in the configuration",
                          check.errors)
    return config


def _base_url(check: _Checker, node: Node | None, override: str | None) -> str | None:
    if override is not None:
        url = normalize_base_url(override)
        if url is None:
            raise ConfigError(f"--base-url {override!r} is not an absolute http(s) URL")
        return url
    text = check.string(node, "base_url")
    if text is None:
        return None
    url = normalize_base_url(text)
    if url is None:
        check.error(node, f"base_url {text!r} must be an absolute http(s) URL such as "
                          "https://user.github.io/repo/")
    return url


def _topics(check: _Checker, node: Node | None) -> list[Topic]:
    topics: list[Topic] = []
    seen: set[str] = set()
    for index, item in enumerate(check.sequence(node, "topics")):
        where = f"topics[{index}]"
        keys = check.mapping(item, where, {"slug": True, "name": True, "description": False,
                                           "match": True})
        if keys is None:
            continue
        slug = check.string(keys.get("slug"), f"{where}.slug")
        if slug is not None and not SLUG_PATTERN.match(slug):
            check.error(keys["slug"], f"{where}.slug {slug!r} must be lowercase letters, digits and hyphens")
        elif slug in seen:
            check.error(keys["slug"], f"{where}.slug {slug!r} is used by another topic")
        seen.add(slug)
        match = check.strings(keys.get("match"), f"{where}.match")
        if "match" in keys and not match:
            check.error(keys["match"], f"{where}.match needs at least one word or phrase")
        topics.append(Topic(
            slug=slug or f"topic-{index}",
            name=check.string(keys.get("name"), f"{where}.name", slug or ""),
            description=check.string(keys.get("description"), f"{where}.description", ""),
            match=match,
        ))
    return topics


def _catch_all(check: _Checker, node: Node | None) -> Topic:
    default = SiteConfig.catch_all
    if node is None:
        return default
    if isinstance(node, ScalarNode):
        name = check.string(node, "catch_all", default.name)
        return Topic(_slug_of_name(name) or default.slug, name, default.description)
    keys = check.mapping(node, "catch_all", {"slug": False, "name": True, "description": False})
    if keys is None:
        return default
    name = check.string(keys.get("name"), "catch_all.name", default.name)
    slug = check.string(keys.get("slug"), "catch_all.slug", _slug_of_name(name) or default.slug)
    if not SLUG_PATTERN.match(slug):
        check.error(keys.get("slug"), f"catch_all.slug {slug!r} must be lowercase letters, digits and hyphens")
    description = check.string(keys.get("description"), "catch_all.description", default.description)
    return Topic(slug, name, description)


def _slug_of_name(name: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", name.lower()))


def _output(check: _Checker, node: Node | None, override: Path | None, base: Path) -> Path:
    """The output folder, absolute: `~` is the home folder, as in a shell; a name the
    file system cannot hold is an error here rather than a failure at the end."""
    where = "--output" if override else "output"
    text = str(override) if override else check.string(node, "output", DEFAULT_OUTPUT)
    problem = _unusable_path(text)
    if problem is None and text.startswith("~"):
        expanded = os.path.expanduser(text)
        problem = "names a home folder that cannot be found" if expanded.startswith("~") else None
        text = expanded
    if problem is not None:
        if override:
            raise ConfigError(f"{where} {_shown(text)} {problem}")
        check.error(node, f"{where} {_shown(text)} {problem}")
        text = DEFAULT_OUTPUT
    return (base / text).resolve()


def _unusable_path(text: str) -> str | None:
    if "\0" in text:
        return "contains a NUL character"
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in text.split("/")):
        return f"has a name longer than {MAX_NAME_BYTES} bytes"
    if len(text.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        return f"is longer than {MAX_PATH_BYTES} bytes"
    return None


def _shown(value: object, limit: int = 80) -> str:
    """A value for a message: quoted, control characters escaped, at most `limit` characters."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    return text if len(text) <= limit else text[:limit - 4] + "…" + text[-3:]


def _sources(check: _Checker, node: Node | None, base: Path, known_topics: set[str],
             output: Path) -> list[Source]:
    sources: list[Source] = []
    claimed: dict[Path, str] = {}
    for index, item in enumerate(check.sequence(node, "sources")):
        where = f"sources[{index}]"
        if isinstance(item, ScalarNode):  # a bare path is shorthand for {path: …}
            keys = {"path": item}
        else:
            keys = check.mapping(item, where, {"path": True, "captured": False, "year": False,
                                               "topics": False})
            if keys is None:
                continue
        pattern = check.string(keys.get("path"), f"{where}.path")
        captured = _date(check, keys.get("captured"), f"{where}.captured")
        year = None
        if "year" in keys:
            year = check.integer(keys["year"], f"{where}.year", 0, minimum=1900) or None
        topics = check.strings(keys.get("topics"), f"{where}.topics")
        for topic in topics:
            if topic not in known_topics:
                hint = difflib.get_close_matches(topic, known_topics, n=1)
                check.error(keys["topics"], f"{where}.topics: unknown topic '{topic}'"
                            + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        if pattern is None:
            continue
        matches = sorted(glob.glob(pattern, root_dir=base, recursive=True))
        files = [base / match for match in matches if (base / match).is_file()]
        if glob.has_magic(pattern):  # a glob that reaches into the output: not its files
            files = [file for file in files if not _inside(file.resolve(), output)]
        if not files:
            check.error(keys["path"], f"{where}.path {pattern!r} matches no file "
                                      f"(paths are relative to {base})")
        for file in files:
            resolved = file.resolve()
            display = Path(file).relative_to(base).as_posix() if file.is_relative_to(base) else str(file)
            if resolved in claimed:
                check.warnings.append(warning(check.path, keys["path"].start_mark.line + 1,
                                              f"{display} is already listed by {claimed[resolved]}; "
                                              "read once"))
                continue
            claimed[resolved] = where
            sources.append(Source(resolved, display, captured, year, topics))
    return sources


def _redirects(check: _Checker, node: Node | None) -> tuple[tuple[str, str, int], ...]:
    """`old-slug: new-slug` pairs: links shared before a title was corrected keep working."""
    if node is None:
        return ()
    if not isinstance(node, MappingNode):
        check.error(node, "redirects must map old paper slugs to current ones")
        return ()
    redirects = []
    for key_node, value_node in node.value:
        old = check.string(key_node, "redirects: an old slug")
        new = check.string(value_node, f"redirects.{old}")
        for slug in (old, new):
            if slug is not None and not SLUG_PATTERN.match(slug):
                check.error(key_node, f"redirects: {slug!r} is not a slug (lowercase letters, digits, hyphens)")
        if old and new:
            redirects.append((old, new, key_node.start_mark.line + 1))
    return tuple(redirects)


def _date(check: _Checker, node: Node | None, where: str) -> dt.date | None:
    if node is None:
        return None
    value = check.value(node) if isinstance(node, ScalarNode) else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    check.error(node, f"{where} must be a date written YYYY-MM-DD")
    return None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_output_is_safe(check: _Checker, node: Node | None, config: SiteConfig,
                          override: Path | None) -> None:
    """The output folder is replaced on every build: it must not hold anything the user wrote."""
    output = config.output
    protected = [config.root, config.path, config.root / "templates", config.root / "static",
                 *(source.path for source in config.sources)]
    for path in protected:
        if _inside(path, output):
            message = f"output {output} would contain {path}; choose a folder of its own " \
                      f"such as {DEFAULT_OUTPUT}"
            if override:  # the command line's mistake, not the file's
                raise ConfigError(f"--output {override}: {message}")
            check.error(node, message)
            return
