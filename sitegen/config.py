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
import ipaddress
import stat
import unicodedata
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
MAX_CONFIG_BYTES = 1 << 20
MAX_ERRORS_SHOWN = 50
MAX_TEXT = 10_000  # any text value of site.yaml, in characters
MAX_TITLE = 200  # the site's title and topics' names: on every page
MAX_DESCRIPTION = 5_000  # the site's description: in most pages' head
DEFAULT_OUTPUT = "_site"
DEFAULT_PER_PAGE = 50
DEFAULT_MAX_TOPICS = 3  # measured on hand-labelled seed papers: see tests/topic_quality.py
TOPIC_RULE_KEYS = ("match", "strong", "weak", "requires", "exclude")
# Words in one rule: topic matching looks for each phrase as 3^(words - 1) spellings
# (`topics._spellings`), and a longer phrase rarely stands word for word in an abstract.
MAX_RULE_WORDS = 6


@dataclass(frozen=True)
class Topic:
    """A topic and its rules (see topics.py for what each kind of rule counts)."""

    slug: str
    name: str
    description: str = ""  # Markdown
    match: tuple[str, ...] = ()  # the older name of `strong`
    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


# The shapes of capture the parser reads (`content/dumps.py`), which `format:` may force.
SHAPES = ("text", "markdown", "html", "json")


@dataclass(frozen=True)
class Source:
    """One dump file, with what site.yaml says about it."""

    path: Path
    display: str  # relative to the config file, forward slashes: used in messages and pages
    captured: dt.date | None = None
    year: int | None = None
    topics: tuple[str, ...] = ()
    format: str | None = None  # one of SHAPES, forced by site.yaml; else detected per file


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
    max_topics: int = DEFAULT_MAX_TOPICS  # the most topics a paper gets from its rules
    per_page: int = DEFAULT_PER_PAGE
    feed_size: int = 50
    redirects: tuple[tuple[str, str, int], ...] = ()  # (old slug, paper slug, YAML line)
    custom_domain: str | None = None  # written to CNAME for GitHub Pages
    allow_outside: bool = False  # read sources and follow links outside the project folder
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
    """`https://x.github.io/repo` -> `https://x.github.io/repo/`; None if not an absolute
    http(s) URL with a host name (or IP address), a valid port, and a path of URL
    characters alone (no spaces, quotes or angle brackets: it is written into pages)."""
    text = url.strip()
    if not text or len(text) > 2000 or any(not "!" <= char <= "~" or char in '"<>\\^`{|}' for char in text):
        return None
    try:
        parts = urlsplit(text)
        port, host = parts.port, parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment \
            or "?" in text or "#" in text or parts.username is not None or port == 0 \
            or not _valid_host(host) or any(part in (".", "..") for part in parts.path.split("/")):
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host == "localhost" or HOSTNAME.fullmatch(host.rstrip(".")) is not None


UNREADABLE = object()  # a value YAML could not make (the error is reported)


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

    def value(self, node: Node, where: str = "value"):
        """The value of a scalar node; `UNREADABLE` (and an error) if YAML cannot make one:
        an unknown `!tag`, a date that does not exist, a number too large."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{where} must be a single value, not a list or mapping")
            return UNREADABLE
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError, TypeError, RecursionError) as error:
            problem = getattr(error, "problem", None) or str(error)
            self.error(node, f"{where}: {_shown_text(problem, 120)}")
            return UNREADABLE

    def mapping(self, node: Node, where: str, allowed: dict[str, bool]) -> dict[str, Node] | None:
        """Keys to value nodes; reports unknown, duplicate and missing required keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where or 'the file'} must be a mapping of keys to values")
            return None
        within = f"{where}: " if where else ""  # the file itself is named by the message's place
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                kind = "a merge key (<<)" if isinstance(key_node, ScalarNode) else "a list or mapping"
                self.error(key_node, f"{where}: keys are plain names, not {kind}")
                continue
            key = self.value(key_node, f"{where}: a key")
            if key is UNREADABLE:
                continue
            key = str(key)
            if key in found:
                self.error(key_node, f"{within}key {_shown(key)} appears twice")
            elif key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1) if len(key) <= 64 else []
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                known = ", ".join(sorted(allowed))
                self.error(key_node, f"{within}unknown key {_shown(key)}{suggestion}; known keys: {known}")
            else:
                found[key] = value_node
        for key, required in allowed.items():
            if required and key not in found:
                self.error(node, f"{within}missing required key '{key}'")
        return found

    def string(self, node: Node | None, where: str, default: str | None = None,
               longest: int = MAX_TEXT) -> str | None:
        if node is None:
            return default
        value = self.value(node, where) if isinstance(node, ScalarNode) else None
        if value is UNREADABLE:
            return default
        if not isinstance(value, str) or not value.strip():
            self.error(node, f"{where} must be a non-empty string")
            return default
        if len(value.strip()) > longest:
            self.error(node, f"{where} is {len(value.strip()):,} characters long; at most {longest:,}")
            return default
        if any(unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r" for char in value):
            self.error(node, f"{where} contains control characters (such as {_shown(value)})")
            return default
        return value.strip()

    def integer(self, node: Node | None, where: str, default: int, minimum: int = 1,
                maximum: int = 100_000) -> int:
        if node is None:
            return default
        value = self.value(node, where) if isinstance(node, ScalarNode) else None
        if value is UNREADABLE:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.error(node, f"{where} must be a whole number of at least {minimum}")
            return default
        if value > maximum:
            self.error(node, f"{where} must be a whole number of at most {maximum}")
            return default
        return value

    def boolean(self, node: Node | None, where: str) -> bool:
        if node is None:
            return False
        value = self.value(node, where) if isinstance(node, ScalarNode) else None
        if value is UNREADABLE:
            return False
        if not isinstance(value, bool):
            self.error(node, f"{where} must be true or false")
            return False
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


LAST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def source_date_epoch() -> int | None:
    """$SOURCE_DATE_EPOCH (reproducible builds: the time a build stands for), if set; a
    value that is not a whole number of seconds from 1970 to 9999 is a ConfigError."""
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if text is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) > LAST_EPOCH:
        raise ConfigError(f"SOURCE_DATE_EPOCH={_shown(text)} must be a whole number of seconds since "
                          "1970-01-01 (such as the output of `git log -1 --format=%ct`), or unset")
    return int(text)


def load_config(path: Path, base_url_override: str | None = None,
                output_override: Path | None = None) -> SiteConfig:
    """Read and validate site.yaml; raise ConfigError naming every problem."""
    path = Path(path)
    display = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # (a pipe or a device would never end)
            raise ConfigError(f"{display} is not a file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"no config file at {display} (use -c to name one, or `sitegen init`)")
    except OSError as error:
        raise ConfigError(f"cannot read {display}: {error.strerror or error}")
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{display}: larger than {MAX_CONFIG_BYTES // 1024} KB; a site.yaml is a few "
                          "dozen lines (is this the right file?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ConfigError(f"{display}:{line}: not UTF-8 text (byte {data[error.start]:#04x})")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ConfigError(f"{where}: YAML syntax error: {error.problem or error.context}")
    except yaml.YAMLError as error:
        raise ConfigError(f"{display}: YAML error: {error}")
    except RecursionError:
        raise ConfigError(f"{display}: nested too deeply to be a site.yaml") from None
    if root is None:
        raise ConfigError(f"{display}: the file is empty; it needs at least title, base_url and sources")
    return _check(root, path.resolve(), display, base_url_override, output_override)


def _check(root: Node, path: Path, display: str, base_url_override: str | None,
           output_override: Path | None) -> SiteConfig:
    check = _Checker(display)
    keys = check.mapping(root, "", {
        "title": True, "description": False, "base_url": True, "output": False,
        "language": False, "sources": True, "topics": False, "catch_all": False,
        "per_page": False, "feed_size": False, "redirects": False, "custom_domain": False,
        "max_topics": False, "allow_outside": False,
    })
    if keys is None:
        raise ConfigError("site.yaml is not valid", check.errors)

    title = check.string(keys.get("title"), "title", "", longest=MAX_TITLE)
    description = check.string(keys.get("description"), "description", "", longest=MAX_DESCRIPTION)
    language = _language(check, keys.get("language"))
    allow_outside = check.boolean(keys.get("allow_outside"), "allow_outside")
    base_url = _base_url(check, keys.get("base_url"), base_url_override)
    output = _output(check, keys.get("output"), output_override, path.parent)
    topics = _topics(check, keys.get("topics"))
    catch_all = _catch_all(check, keys.get("catch_all"))
    if catch_all.slug in {topic.slug for topic in topics}:
        check.error(keys.get("catch_all"), f"catch_all: slug '{catch_all.slug}' is also a topic's slug")
    known_topics = {topic.slug for topic in topics} | {catch_all.slug}
    sources = _sources(check, keys.get("sources"), path.parent, known_topics, output, allow_outside)
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
        max_topics=check.integer(keys.get("max_topics"), "max_topics", DEFAULT_MAX_TOPICS),
        per_page=check.integer(keys.get("per_page"), "per_page", DEFAULT_PER_PAGE),
        feed_size=check.integer(keys.get("feed_size"), "feed_size", 50),
        redirects=_redirects(check, keys.get("redirects")),
        custom_domain=_custom_domain(check, keys.get("custom_domain")),
        allow_outside=allow_outside,
        warnings=tuple(check.warnings),
    )
    _check_output_is_safe(check, keys.get("output"), config, output_override)
    if not allow_outside:
        check.errors.extend(links_leaving_the_project(config))
    _raise_if_errors(check, display)
    return config


def _raise_if_errors(check: _Checker, display: str) -> None:
    """One ConfigError for every problem found (the first `MAX_ERRORS_SHOWN` of them shown)."""
    if check.errors:
        count = len(check.errors)
        shown = check.errors[:MAX_ERRORS_SHOWN]
        if count > len(shown):
            shown.append(Diagnostic(display, None, f"… and {count - len(shown)} more", "error"))
        raise ConfigError(f"{display}: {count} problem{'s' if count > 1 else ''} in the configuration",
                          shown)


def _language(check: _Checker, node: Node | None) -> str:
    language = check.string(node, "language", "en")
    if not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", language):
        check.error(node, f"language {_shown(language)} must be a language tag such as en or pt-BR")
        return "en"
    return language


HOSTNAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?",
                      re.IGNORECASE)


def _custom_domain(check: _Checker, node: Node | None) -> str | None:
    """GitHub Pages' custom domain: a bare host name, written to CNAME."""
    domain = check.string(node, "custom_domain", longest=253)
    if domain is None:
        return None
    if not HOSTNAME.fullmatch(domain):
        check.error(node, f"custom_domain {_shown(domain)} must be a bare host name such as "
                          "papers.example.org (no scheme, path, port or spaces)")
        return None
    return domain.lower()


def links_leaving_the_project(config: SiteConfig) -> list[Diagnostic]:
    """Symbolic links in the site's static/ and templates/ folders (or the folders
    themselves) that lead out of the project folder: what they point to would be
    published, so they are refused unless site.yaml says `allow_outside: true`."""
    root = config.root.resolve()
    problems = []
    for folder in (config.root / "static", config.root / "templates"):
        for link in _links_in(folder):
            target = link.resolve()
            if not _inside(target, root):
                shown = link.relative_to(config.root).as_posix()
                problems.append(Diagnostic(shown, None, f"a symbolic link to {_shown_text(str(target))}, "
                                           "outside the project folder: refusing to publish it (move the "
                                           "file into the project, or set `allow_outside: true` in "
                                           "site.yaml)", "error"))
    return problems


def _links_in(folder: Path) -> list[Path]:
    if folder.is_symlink():
        return [folder]
    links = []
    for parent, folders, files in os.walk(folder):
        links.extend(Path(parent, name) for name in sorted(folders + files) if Path(parent, name).is_symlink())
    return links


def _base_url(check: _Checker, node: Node | None, override: str | None) -> str | None:
    if override is not None:
        url = normalize_base_url(override)
        if url is None:
            raise ConfigError(f"--base-url {_shown(override)} is not an absolute http(s) URL")
        return url
    text = check.string(node, "base_url")
    if text is None:
        return None
    url = normalize_base_url(text)
    if url is None:
        check.error(node, f"base_url {_shown(text)} must be an absolute http(s) URL such as "
                          "https://user.github.io/repo/ (a host name, a port up to 65535, and no spaces, "
                          "quotes or angle brackets: percent-encode them)")
    return url


def _topics(check: _Checker, node: Node | None) -> list[Topic]:
    topics: list[Topic] = []
    seen: set[str] = set()
    for index, item in enumerate(check.sequence(node, "topics")):
        where = f"topics[{index}]"
        keys = check.mapping(item, where, {"slug": True, "name": True, "description": False,
                                           **{key: False for key in TOPIC_RULE_KEYS}})
        if keys is None:
            continue
        slug = check.string(keys.get("slug"), f"{where}.slug", longest=MAX_TITLE)
        if slug is not None and not SLUG_PATTERN.match(slug):
            check.error(keys["slug"], f"{where}.slug {slug!r} must be lowercase letters, digits and hyphens")
        elif slug in seen:
            check.error(keys["slug"], f"{where}.slug {slug!r} is used by another topic")
        seen.add(slug)
        rules = {key: _rules(check, keys[key], f"{where}.{key}") for key in TOPIC_RULE_KEYS if key in keys}
        if not any(key in keys for key in ("match", "strong", "weak")):
            check.error(item, f"{where}: give the topic rules to match papers by: "
                              "strong, weak (or match, which is strong)")
        topics.append(Topic(
            slug=slug or f"topic-{index}",
            name=check.string(keys.get("name"), f"{where}.name", slug or "", longest=MAX_TITLE),
            description=check.string(keys.get("description"), f"{where}.description", "",
                                     longest=MAX_DESCRIPTION),
            **rules,
        ))
    return topics


def _rules(check: _Checker, node: Node, where: str) -> tuple[str, ...]:
    """A list of rules: words or phrases, a `*` only at the end."""
    items = [node] if isinstance(node, ScalarNode) and node.tag.endswith(":str") else \
        check.sequence(node, where)
    rules = []
    for index, item in enumerate(items):
        place = where if item is node else f"{where}[{index}]"
        rule = check.string(item, place)
        if rule is None:
            continue
        if not re.search(r"\w", rule):
            check.error(item, f"{place}: {rule!r} has no word to match")
        elif "*" in rule.rstrip()[:-1] or re.search(r"\W\*$", rule.rstrip()):
            check.error(item, f"{place}: {rule!r}: `*` may only end a word, at the end of the rule")
        elif (words := len(re.findall(r"\w+", rule.casefold()))) > MAX_RULE_WORDS:
            check.error(item, f"{place}: {rule!r} has {words} words; a rule may have at most "
                              f"{MAX_RULE_WORDS}: keep the words that tell the topic")
        else:
            rules.append(rule)
    if not items and isinstance(node, SequenceNode):
        check.error(node, f"{where} needs at least one word or phrase")
    return tuple(rules)


def _catch_all(check: _Checker, node: Node | None) -> Topic:
    default = SiteConfig.catch_all
    if node is None:
        return default
    if isinstance(node, ScalarNode):
        name = check.string(node, "catch_all", default.name, longest=MAX_TITLE)
        return Topic(_slug_of_name(name) or default.slug, name, default.description)
    keys = check.mapping(node, "catch_all", {"slug": False, "name": True, "description": False})
    if keys is None:
        return default
    name = check.string(keys.get("name"), "catch_all.name", default.name, longest=MAX_TITLE)
    slug = check.string(keys.get("slug"), "catch_all.slug", _slug_of_name(name) or default.slug,
                        longest=MAX_TITLE)
    if not SLUG_PATTERN.match(slug):
        check.error(keys.get("slug"), f"catch_all.slug {slug!r} must be lowercase letters, digits and hyphens")
    description = check.string(keys.get("description"), "catch_all.description", default.description,
                               longest=MAX_DESCRIPTION)
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


def _shown_text(text: str, limit: int = 200) -> str:
    """Text for a message, unquoted: control characters escaped, at most `limit` characters."""
    escaped = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[:limit + 1])
    return escaped if len(escaped) <= limit else escaped[:limit - 1] + "…"


def _readable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (which Python keeps as lone surrogates,
    and no page or message can hold) written as `\\xff`."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def _shown(value: object, limit: int = 80) -> str:
    """A value for a message: quoted, control characters escaped, at most `limit` characters."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    return text if len(text) <= limit else text[:limit - 4] + "…" + text[-3:]


def _sources(check: _Checker, node: Node | None, base: Path, known_topics: set[str],
             output: Path, allow_outside: bool = False) -> list[Source]:
    sources: list[Source] = []
    claimed: dict[Path, str] = {}
    root = base.resolve()
    for index, item in enumerate(check.sequence(node, "sources")):
        where = f"sources[{index}]"
        entry = _source_entry(check, item, where, known_topics)
        if entry is None:
            continue
        path_node, pattern, settings = entry
        problem = _unusable_path(pattern)
        if problem is None and not allow_outside and _leaves(pattern):
            problem = f"is outside the project folder ({base}); {OUTSIDE_HINT}"
        if problem is not None:
            check.error(path_node, f"{where}.path {_shown(pattern)} {problem}")
            continue
        files = _matching_files(pattern, base, output)
        if not files:
            check.error(path_node, f"{where}.path {_shown(pattern)} matches no file "
                                   f"(paths are relative to {base})")
        for file in files:
            resolved = file.resolve()
            if not allow_outside and not _inside(resolved, root):
                check.error(path_node, f"{where}.path: {file.relative_to(base).as_posix()} leads to "
                                       f"{_shown_text(str(resolved))}, outside the project folder; "
                                       f"{OUTSIDE_HINT}")
                continue
            display = _readable_name(Path(file).relative_to(base).as_posix() if file.is_relative_to(base)
                                     else str(file))
            if resolved in claimed:
                check.warnings.append(warning(check.path, path_node.start_mark.line + 1,
                                              f"{display} is already listed by {claimed[resolved]}; "
                                              "read once"))
                continue
            claimed[resolved] = where
            sources.append(Source(resolved, display, *settings))
    return sources


def _source_entry(check: _Checker, item: Node, where: str, known_topics: set[str]) -> tuple | None:
    """One entry of `sources`, checked: (its path's node, the path or pattern, (captured,
    year, topics, format)); None when it names no path that can be used."""
    if isinstance(item, ScalarNode):  # a bare path is shorthand for {path: …}
        keys = {"path": item}
    else:
        keys = check.mapping(item, where, {"path": True, "captured": False, "year": False,
                                           "topics": False, "format": False})
        if keys is None:
            return None
    pattern = check.string(keys.get("path"), f"{where}.path")
    captured = _date(check, keys.get("captured"), f"{where}.captured")
    year = None
    if "year" in keys:
        year = check.integer(keys["year"], f"{where}.year", 0, minimum=1900, maximum=9999) or None
    topics = check.strings(keys.get("topics"), f"{where}.topics")
    shape = check.string(keys.get("format"), f"{where}.format") if "format" in keys else None
    if shape is not None and shape not in SHAPES:
        check.error(keys["format"], f"{where}.format: {shape!r} is not one of "
                                    f"{', '.join(SHAPES)} (leave it out to detect it)")
        shape = None
    for topic in topics:
        if topic not in known_topics:
            hint = difflib.get_close_matches(topic, known_topics, n=1) if len(topic) <= 64 else []
            check.error(keys["topics"], f"{where}.topics: unknown topic {_shown(topic)}"
                        + (f" (did you mean '{hint[0]}'?)" if hint else ""))
    if pattern is None:
        return None
    return keys["path"], pattern, (captured, year, topics, shape)


def _matching_files(pattern: str, base: Path, output: Path) -> list[Path]:
    """The files a path or glob names, relative to `base`, sorted; a glob's, not the
    output's."""
    matches = sorted(glob.glob(pattern, root_dir=base, recursive=True))
    files = [base / match for match in matches if (base / match).is_file()]
    if glob.has_magic(pattern):  # a glob that reaches into the output: not its files
        files = [file for file in files if not _inside(file.resolve(), output)]
    return files


def _redirects(check: _Checker, node: Node | None) -> tuple[tuple[str, str, int], ...]:
    """`old-slug: new-slug` pairs: links shared before a title was corrected keep working."""
    if node is None:
        return ()
    if not isinstance(node, MappingNode):
        check.error(node, "redirects must map old paper slugs to current ones")
        return ()
    redirects = []
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        old = check.string(key_node, "redirects: an old slug", longest=200)
        new = check.string(value_node, f"redirects.{old}", longest=200)
        for slug in (old, new):
            if slug is not None and not SLUG_PATTERN.match(slug):
                check.error(key_node, f"redirects: {_shown(slug)} is not a slug (lowercase letters, digits, "
                                      "hyphens)")
        line = key_node.start_mark.line + 1
        if old is not None and old in lines:
            check.error(key_node, f"redirects: {old} appears twice (also on line {lines[old]}); "
                                  "an old slug leads to one paper")
            continue
        if old is not None:
            lines[old] = line
        if old and new:
            redirects.append((old, new, line))
    return tuple(redirects)


def _date(check: _Checker, node: Node | None, where: str) -> dt.date | None:
    if node is None:
        return None
    value = check.value(node, where) if isinstance(node, ScalarNode) else None
    if value is UNREADABLE:
        return None
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


OUTSIDE_HINT = "sitegen reads only files inside it unless site.yaml says `allow_outside: true`"


def _leaves(pattern: str) -> bool:
    """A path or glob that names something outside the folder it is relative to."""
    return pattern.startswith(("/", "~")) or ".." in re.split(r"[/\\]", pattern)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_output_is_safe(check: _Checker, node: Node | None, config: SiteConfig,
                          override: Path | None) -> None:
    """The output folder is replaced on every build: it must not hold anything the user wrote."""
    output = config.output
    protected = [config.root, config.path, config.root / "templates", config.root / "static",
                 *(source.path for source in config.sources)]
    for folder in (config.root / "templates", config.root / "static"):  # its files would be read back
        if _inside(output, folder.resolve()):
            protected = [output]
            break
    for path in protected:
        if _inside(path, output) or path == output:
            message = f"output {output} would contain {path}; choose a folder of its own " \
                      f"such as {DEFAULT_OUTPUT}" if path != output else \
                      f"output {output} is inside static/ or templates/, whose files are published " \
                      f"or read as templates; choose a folder of its own such as {DEFAULT_OUTPUT}"
            if override:  # the command line's mistake, not the file's
                raise ConfigError(f"--output {override}: {message}")
            check.error(node, message)
            return
