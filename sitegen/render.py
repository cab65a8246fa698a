"""Turn the content model into files: pages as plain data, rendered through Jinja, plus
data files.

`site_pages` lays out every file a template makes as a `Page` (path, template, view:
the plain values the template reads), and does no I/O; `Renderer` renders a page;
`page_files` and `data_files` make them files the write step can render and write.  Templates autoescape everything; text from a dump is only
ever a value in a template, never a template itself.  Links between pages are
relative, so the site works at a domain's root, under a sub-path and from
disk; only the 404 page, which GitHub Pages serves at any depth, uses links
absolute to the path of `base_url`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import jinja2
from markupsafe import Markup

from .config import SiteConfig
from .errors import BuildError, ConfigError
from .escaping import search_query
from .feeds import entry_times, feed_context
from .ids import paper_ids
from .keys import PageKeys
from .content.model import MONTH_ABBREVIATIONS, Digest, Paper, TopicGroup, format_date
from .prose import markdown_html, plain_text
from .redirects import redirects_json

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
HOME_DAYS = 7
HOME_PAPERS_PER_DAY = 8
UPVOTE_LEADERS = 10


@dataclass(frozen=True)
class Page:
    """One file the templates make, as plain data: where it goes, the template that
    renders it, and its view (every value the template can read; the page's key is made
    from it, `keys.PageKeys`)."""

    path: str
    template: str
    view: dict


def theme_dir() -> Path:
    """The default theme: inside the package when installed, at the repo top in a checkout."""
    packaged = Path(__file__).parent / "_theme"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent


def template_dirs(config: SiteConfig) -> list[Path]:
    """The site's own templates/ first, so they override the theme's by name."""
    dirs = [config.root / "templates", theme_dir() / "templates"]
    unique = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [d.resolve() for d in unique]:
            unique.append(folder)
    return unique


def static_files(config: SiteConfig) -> dict[str, Path]:
    """Relative name -> file; the site's static/ overrides the theme's file by file."""
    files: dict[str, Path] = {}
    root = config.root.resolve()
    for folder in (theme_dir() / "static", config.root / "static"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    files[path.relative_to(folder).as_posix()] = path
                    if folder.parent == config.root and not config.allow_outside and \
                            root not in path.resolve().parents:  # (a link made since site.yaml was read)
                        raise ConfigError(f"{path}: leads outside the project folder; refusing to "
                                          "publish it (`allow_outside: true` in site.yaml allows it)")
    return dict(sorted(files.items()))


def make_environment(config: SiteConfig) -> jinja2.Environment:
    """A build's own Jinja environment (its templates come compiled from the build cache's
    `CompiledTemplates` when they are unchanged)."""
    return _environment(tuple(str(folder) for folder in template_dirs(config)))


def _environment(folders: tuple[str, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(folders)),
        auto_reload=False,  # a build's environment serves that build alone
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = lambda text: Markup(markdown_html(text))
    env.filters["plain"] = plain_text
    env.filters["date"] = format_date
    env.filters["search_query"] = search_query
    env.filters["topic_name"] = lambda slug, names: names[slug]
    env.filters["tojson_script"] = json_for_script
    env.globals["month_name"] = lambda month: MONTH_NAMES[month - 1]
    env.globals["month_abbreviation"] = lambda month: MONTH_ABBREVIATIONS[month - 1]
    return env


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates' compiled code, kept in the build cache between command-line builds
    (compiling them takes 0.1 s) by Jinja's own bucket key (template name and file) and
    checked by it against the source's checksum.  (The cache holds only what this very
    code of sitegen made: the code that templates compile to is sitegen's.)"""

    def __init__(self, store: dict[str, bytes]):
        self.store = store

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def json_for_script(value) -> Markup:
    """JSON that is safe inside a <script> element and in HTML text."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@dataclass
class Pager:
    number: int
    count: int
    base: str  # site-relative URL of page 1

    def url(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def previous(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.count else None


def paginate(items: list, per_page: int, base: str) -> Iterator[tuple[str, list, Pager]]:
    count = max(1, math.ceil(len(items) / per_page))
    for number in range(1, count + 1):
        pager = Pager(number, count, base)
        yield pager.url(number) + "index.html", items[(number - 1) * per_page: number * per_page], pager


def site_view(config: SiteConfig) -> dict:
    """The site's settings every template is handed as `site`: plain values only (not
    the sources or the output folder, which no page shows)."""
    return dict(title=config.title, description=config.description, language=config.language,
                base_url=config.base_url, base_path=config.base_path,
                custom_domain=config.custom_domain, per_page=config.per_page,
                feed_size=config.feed_size, topics=config.topics, all_topics=config.all_topics)


def site_pages(digest: Digest, config: SiteConfig) -> list[Page]:
    """Every file the templates make: the HTML pages, the site's feed, the sitemaps,
    robots.txt and each topic's feed, each with its whole view.  Pure: no template is
    loaded here."""
    names = topic_names(digest)
    common = dict(site=site_view(config), topic_names=names, absolute_links=False)
    html = list(_html_pages(digest, config))
    site_feed, topic_feeds = _feeds(digest, config)
    made = [*html, site_feed, *sitemaps(*_sitemap_urls(html)), Page("robots.txt", "robots.txt", {}),
            *topic_feeds]
    return [_with_common(page, common, config, names) for page in made]


def _with_common(page: Page, common: dict, config: SiteConfig, names: dict[str, str]) -> Page:
    """The page with what every template is handed (`site`, `topic_names`, `page_path`,
    `root`) and, on a paper's page, its JSON-LD."""
    view = dict(common, page_path=page.path, root=_root(page.path, page.view, config), **page.view)
    if page.template == "paper.html":
        view["scholarly_article"] = scholarly_article(page.view["paper"], config.base_url, names)
    return Page(page.path, page.template, view)


def _sitemap_urls(pages: list[Page]) -> tuple[list[str], dict[str, str]]:
    """The URLs of the HTML pages worth indexing, and the date of those that have one."""
    urls, lastmod = [], {}
    for page in pages:
        if page.template not in ("404.html", "search.html", "redirect.html"):  # none is worth indexing
            url = page.path.removesuffix("index.html")
            urls.append(url)
            date = page_date(page.view)
            if date is not None:
                lastmod[url] = date.isoformat()
    return urls, lastmod


def _html_pages(digest: Digest, config: SiteConfig) -> Iterator[Page]:
    """Every HTML page, its view without what every page is handed (`_with_common`)."""
    by_slug = digest.by_slug
    months = digest.months()
    leaders = sorted((p for p in digest.papers if p.upvotes),
                     key=lambda p: (-p.upvotes, p.key))[:UPVOTE_LEADERS]
    recent_days = list(digest.days.items())[:HOME_DAYS]
    yield Page("index.html", "index.html", dict(
        digest=digest, recent_days=recent_days, papers_per_day=HOME_PAPERS_PER_DAY, leaders=leaders))

    for day, papers in digest.days.items():
        for index, paper in enumerate(papers):
            previous = papers[index - 1] if index > 0 else None
            following = papers[index + 1] if index + 1 < len(papers) else None
            yield _paper_page(paper, by_slug, previous, following, digest.similar)
    for index, paper in enumerate(digest.undated):
        previous = digest.undated[index - 1] if index > 0 else None
        following = digest.undated[index + 1] if index + 1 < len(digest.undated) else None
        yield _paper_page(paper, by_slug, previous, following, digest.similar)

    yield Page("topics/index.html", "topics.html", dict(digest=digest))
    for group in digest.topics:
        yield from _topic_pages(group, config.per_page)

    years = _archive({month: sum(len(digest.days[day]) for day in days) for month, days in months.items()})
    yield Page("days/index.html", "days.html", dict(digest=digest, years=years))
    for (year, month), days in months.items():
        papers = [paper for day in days for paper in digest.days[day]]
        base = f"days/{year:04d}-{month:02d}/"
        for path, page_papers, pager in paginate(papers, config.per_page, base):
            yield Page(path, "month.html", dict(year=year, month=month, papers=page_papers,
                                                pager=pager, total=len(papers)))
    for day, papers in digest.days.items():
        yield Page(f"days/{day.isoformat()}/index.html", "day.html", dict(day=day, papers=papers))
    if digest.undated:
        for path, papers, pager in paginate(digest.undated, config.per_page, "days/undated/"):
            yield Page(path, "undated.html", dict(papers=papers, pager=pager, total=len(digest.undated)))
    by_url = {paper.url: paper for paper in digest.papers}
    for old, new in redirects_of(digest, config).items():
        yield Page(f"{old}index.html", "redirect.html", dict(paper=by_url[new]))
    yield Page("search/index.html", "search.html", {})
    yield Page("404.html", "404.html", dict(absolute_links=True))


def redirects_of(digest: Digest, config: SiteConfig) -> dict[str, str]:
    """Old URL -> paper URL of every redirect page, sorted: those the build worked out
    from what earlier builds published, else those site.yaml names."""
    if digest.redirects is not None:
        return dict(sorted(digest.redirects.items()))
    urls = {paper.url for paper in digest.papers}
    return dict(sorted((f"papers/{old}/", f"papers/{new}/") for old, new, _ in config.redirects
                       if f"papers/{new}/" in urls and f"papers/{old}/" not in urls))


def _paper_page(paper: Paper, by_slug: dict[str, Paper], previous: Paper | None,
                following: Paper | None, similar: dict[str, list[str]]) -> Page:
    return Page(f"{paper.url}index.html", "paper.html", dict(
        paper=paper, previous=previous, next=following,
        similar=[by_slug[slug] for slug in similar.get(paper.slug, ())]))


def scholarly_article(paper: Paper, base_url: str, topic_names: dict[str, str]) -> dict:
    """A paper page's JSON-LD for search engines and reference managers (`tojson_script`
    writes it).  No `name` and `description`: the headline is the title, and the page's
    meta description already says what `description` would."""
    article = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": paper.title,
        "url": base_url + paper.url,
        "keywords": [topic_names[slug] for slug in paper.topics],
    }
    if paper.date and paper.date_source == "published":
        article["datePublished"] = paper.date.isoformat()
    if paper.org_name:
        article["sourceOrganization"] = {"@type": "Organization", "name": paper.org_name}
    if paper.author_names:
        article["author"] = [{"@type": "Person", "name": name} for name in paper.author_names]
    same_as = [paper.links[name] for name in ("arxiv", "huggingface") if name in paper.links]
    if same_as:
        article["sameAs"] = same_as
    return article


def _topic_pages(group: TopicGroup, per_page: int) -> Iterator[Page]:
    """A topic's page (its newest papers and an archive by month), then one page per
    month.  Older papers are paged within their month, never across the whole topic,
    so a paper added or corrected changes the pages of its own month and no others."""
    topic, base = group.topic, f"topics/{group.topic.slug}/"
    by_month: dict[tuple[int, int], list[Paper]] = {}
    undated = []
    for paper in group.papers:
        date = paper.date
        if date:
            papers = by_month.get((date.year, date.month))
            if papers is None:
                papers = by_month[(date.year, date.month)] = []
            papers.append(paper)
        else:
            undated.append(paper)
    yield Page(f"{base}index.html", "topic.html", dict(
        topic=topic, papers=group.papers[:per_page], total=len(group.papers),
        years=_archive({month: len(papers) for month, papers in by_month.items()}),
        undated=len(undated)))
    months = list(by_month)
    for index, (year, month) in enumerate(months):
        newer = months[index - 1] if index > 0 else None
        older = months[index + 1] if index + 1 < len(months) else None
        for path, papers, pager in paginate(by_month[(year, month)], per_page,
                                            f"{base}{year:04d}-{month:02d}/"):
            yield Page(path, "topic-month.html", dict(
                topic=topic, year=year, month=month, papers=papers, pager=pager,
                total=len(by_month[(year, month)]), newer=newer, older=older))
    for path, papers, pager in paginate(undated, per_page, f"{base}undated/") if undated else ():
        yield Page(path, "topic-month.html", dict(topic=topic, year=None, month=None, papers=papers,
                                                  pager=pager, total=len(undated), newer=None, older=None))


def _archive(month_counts: dict[tuple[int, int], int]) -> list[dict]:
    """Years newest first, each with its twelve month counts for the bar chart, from
    the number of papers of each (year, month)."""
    counts: dict[int, list[int]] = {}
    for (year, month), count in month_counts.items():
        if year not in counts:
            counts[year] = [0] * 12
        counts[year][month - 1] += count
    return [dict(year=year, months=months, total=sum(months), peak=max(months))
            for year, months in sorted(counts.items(), reverse=True)]


@dataclass
class OutputFile:
    """One file of the site as the write step sees it; `render()` produces its content
    (possibly in another process)."""

    path: str
    render: Callable[[], str | bytes]
    is_page: bool = True
    key: str | None = None  # a fingerprint of every input, once worked out
    key_of: Callable[[], str | None] | None = None  # works it out; None: keyed by what it renders
    pieced_by: bytes | None = None  # written in pieces past pieces.PIECE_BYTES, cut before this


def page_files(pages: list[Page], renderer: Renderer, keys: PageKeys | None = None) -> list[OutputFile]:
    """Each page as a file the renderer makes when asked.  Templates load (and fail) here,
    up front.  With `keys`, every page can work out the key of its inputs (`key_of`)."""
    for name in dict.fromkeys(page.template for page in pages):
        renderer.template(name)
    return [OutputFile(page.path, functools.partial(renderer.render, page), page.path.endswith(".html"),
                       key_of=functools.partial(keys.key, page.template, page.view)
                       if keys is not None else None)
            for page in pages]


def data_files(digest: Digest, config: SiteConfig, with_papers_json: bool = True) -> list[OutputFile]:
    """The files no template makes: papers.json (unless not `with_papers_json`),
    .nojekyll, redirects.json and CNAME."""
    # papers.json, the slowest file to make, comes first: last, it kept one renderer busy
    # after the others had finished.
    files = [OutputFile("papers.json", lambda: papers_json(digest), False, pieced_by=PAPERS_JSON_RECORD)] \
        if with_papers_json else []
    files += [OutputFile(".nojekyll", lambda: "", False),
              _redirects_file(redirects_json(redirects_of(digest, config)))]
    if config.custom_domain:
        files.append(OutputFile("CNAME", lambda: config.custom_domain + "\n", False))
    return files


def _feeds(digest: Digest, config: SiteConfig) -> tuple[Page, list[Page]]:
    """The site's feed and each topic's."""
    feed_papers = [paper for paper in digest.papers if paper.date][: config.feed_size]
    topic_feeds = [(group, [paper for paper in group.papers if paper.date][: config.feed_size])
                   for group in digest.topics]
    times = entry_times(list({paper.slug: paper for paper in feed_papers + [
        paper for _, papers in topic_feeds for paper in papers]}.values()))
    site_feed = Page("feed.xml", "feed.xml", feed_context(feed_papers, times, title=config.title, path="feed.xml",
                                                          page="", description=config.description))
    return site_feed, [
        Page(f"topics/{group.topic.slug}/feed.xml", "feed.xml", feed_context(
            dated, times, title=f"{group.topic.name} · {config.title}",
            path=f"topics/{group.topic.slug}/feed.xml", page=f"topics/{group.topic.slug}/",
            description=group.topic.description or config.description))
        for group, dated in topic_feeds]


SITEMAP_URLS = 50_000  # the most URLs sitemaps.org allows in one sitemap


def page_date(context: dict) -> dt.date | None:
    """The date a page has, for its sitemap entry's `lastmod`: a paper's date, a day's,
    or that of the newest paper a listing shows (None for a page with no date)."""
    if "paper" in context:
        return context["paper"].date
    if "day" in context:
        return context["day"]
    dates = [paper.date for paper in context.get("papers", ()) if paper.date]
    return max(dates) if dates else None


def sitemaps(urls: list[str], lastmod: dict[str, str], limit: int | None = None) -> list[Page]:
    """The sitemap: sitemap.xml itself with up to `limit` URLs
    (SITEMAP_URLS unless given); past that, sitemap.xml is a sitemap index of
    sitemap-1.xml, sitemap-2.xml, … at the site's top (a sitemap may only list URLs
    below its own folder), `limit` URLs each."""
    limit = limit or SITEMAP_URLS
    if len(urls) <= limit:
        return [Page("sitemap.xml", "sitemap.xml", dict(urls=urls, lastmod=lastmod))]
    made = []
    for number, start in enumerate(range(0, len(urls), limit), 1):
        some = urls[start:start + limit]
        made.append(Page(f"sitemap-{number}.xml", "sitemap.xml",
                         dict(urls=some, lastmod={url: lastmod[url] for url in some if url in lastmod})))
    newest = {page.path: max(page.view["lastmod"].values(), default=None) for page in made}
    return [Page("sitemap.xml", "sitemap-index.xml", dict(sitemaps=[page.path for page in made],
                                                           lastmod=newest)), *made]


def _redirects_file(text: str) -> OutputFile:
    """redirects.json, keyed by its text (small: made at once), so it is written only when
    the redirects change."""
    return OutputFile("redirects.json", lambda: text, False,
                      key_of=lambda: hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest())


def _root(page_path: str, context: dict, config: SiteConfig) -> str:
    """The prefix that turns a site-relative URL into a link from this page."""
    if context.get("absolute_links"):
        return config.base_path
    return "../" * page_path.count("/")


def topic_names(digest: Digest) -> dict[str, str]:
    return {group.topic.slug: group.topic.name for group in digest.topics}


_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def papers_json(digest: Digest, memo: dict[str, tuple[tuple, str]] | None = None) -> str:
    """Every paper's record.  With `memo` (serve's, from the last time it was asked for:
    slug -> ((paper, its similar papers, its id), its record's JSON)), a paper equal to
    the last one of its slug is not encoded again (comparing costs a tenth of encoding),
    and `memo` is left holding this build's papers."""
    known = memo if memo is not None else {}
    ids = paper_ids([paper.slug for paper in digest.papers])
    made: dict[str, tuple[tuple, str]] = {}
    pieces = []
    for paper in digest.papers:
        before = known.get(paper.slug)
        shown = (paper, digest.similar.get(paper.slug, []), ids[paper.slug])
        if before is not None and before[0] == shown:
            text = before[1]
        else:
            text = _record_json(*shown)
        made[paper.slug] = (shown, text)
        pieces.append(text)
    if memo is not None:
        memo.clear()
        memo.update(made)
    return "[" + ",".join(pieces) + "]\n"


# Where a papers.json written in pieces may be cut: before a record (`pieces.split_records`).
PAPERS_JSON_RECORD = b',{"slug":"'


def _record_json(paper: Paper, similar: list[str], paper_id: str) -> str:
    return _RECORD_JSON(paper_record(paper, similar, paper_id)).replace("</", "<\\/")


def paper_record(paper: Paper, similar: list[str], paper_id: str) -> dict:
    """A paper as papers.json gives it (README, "papers.json"): slug first, where a file
    written in pieces is cut (`PAPERS_JSON_RECORD`), then url, then the id the search
    index names it by."""
    return {
        "slug": paper.slug,
        "url": paper.url,
        "id": paper_id,
        "title": paper.title,
        "abstract": "\n\n".join(paper.abstract),
        "date": paper.date.isoformat() if paper.date else None,
        "date_source": paper.date_source,
        "authors": paper.authors,
        "organization": ({"account": paper.org_account, "name": paper.org_name}
                         if paper.org_account else None),
        "upvotes": paper.upvotes,
        "topics": paper.topics,
        "similar": similar,
        "sources": paper.sources,
        "arxiv_id": paper.arxiv_id,
        "author_names": list(paper.author_names),
        "links": dict(sorted(paper.links.items())),
        "comments": paper.comments,
        "submitted_by": paper.submitted_by,
    }


def load_templates(env: jinja2.Environment) -> None:
    """Compile every template now (those a page extends, includes or imports are otherwise
    compiled as it first renders: in each forked renderer, and in `serve` as a page is
    first asked for).  One that fails is left to fail where a page uses it."""
    for name in env.list_templates():
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass


class Renderer:
    """Pages rendered through one build's Jinja environment, each template loaded once.
    A template that fails tells where, as `file:line: message` (`_error`), never with a
    traceback."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self._templates: dict[str, jinja2.Template] = {}

    def template(self, name: str) -> jinja2.Template:
        template = self._templates.get(name)
        if template is None:
            try:
                template = self._templates[name] = self.env.get_template(name)
            except (jinja2.TemplateSyntaxError, jinja2.TemplateNotFound) as error:
                raise self._error(error, name) from None
        return template

    def render(self, page: Page) -> str:
        template = self.template(page.template)
        try:
            return template.render(page.view)
        except Exception as error:  # a template bug: name the template file and line, no traceback
            raise self._error(error, page.template, page.path) from None

    def _error(self, error: Exception, name: str, page_path: str | None = None) -> BuildError:
        """The one message for a template that fails: loading, or rendering `page_path`."""
        if isinstance(error, jinja2.TemplateSyntaxError):
            return BuildError(f"{error.filename or name}:{error.lineno}: template syntax error: "
                              f"{error.message}")
        if isinstance(error, jinja2.TemplateNotFound) and page_path is None:
            return BuildError(f"template {error.name!r} not found in "
                              f"{', '.join(map(str, self.env.loader.searchpath))}")
        return BuildError(f"{_template_location(error, self._templates[name])}: template error while "
                          f"rendering {page_path}: {type(error).__name__}: {error}")


def _template_location(error: Exception, template: jinja2.Template) -> str:
    """The innermost template frame of the traceback, as `file:line`."""
    location = template.filename or template.name
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            location = f"{filename}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return location
