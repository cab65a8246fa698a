"""The page step: the content model laid out as pages, plain data (`site_pages`).

Every file a template makes (the HTML pages, the feeds, the sitemaps, robots.txt) is a
`Page`: its output path, its template and its view, the plain values the template
reads.  Nothing here loads a template or touches a file; `render.py` renders pages.
Links between pages are relative, so the site works at a domain's root, under a
sub-path and from disk; only the 404 page, which GitHub Pages serves at any depth, uses
links absolute to the path of `base_url`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Iterator

from ..config import SiteConfig, Topic
from ..content.model import Digest, Paper, TopicGroup
from ..feeds import entry_times, feed_context

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


@dataclass(frozen=True)
class SiteSettings:
    """The site's settings every template is handed as `site`: plain values only (not
    the sources or the output folder, which no page shows).  One object that every page
    of a build holds, so that its part of the pages' keys is worked out once
    (`keys.PageKeys`), not once per page."""

    title: str
    description: str
    language: str
    base_url: str
    base_path: str
    custom_domain: str | None
    per_page: int
    feed_size: int
    topics: tuple[Topic, ...]
    all_topics: tuple[Topic, ...]


def site_view(config: SiteConfig) -> SiteSettings:
    return SiteSettings(title=config.title, description=config.description, language=config.language,
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


def _root(page_path: str, context: dict, config: SiteConfig) -> str:
    """The prefix that turns a site-relative URL into a link from this page."""
    if context.get("absolute_links"):
        return config.base_path
    return "../" * page_path.count("/")


def topic_names(digest: Digest) -> dict[str, str]:
    return {group.topic.slug: group.topic.name for group in digest.topics}


