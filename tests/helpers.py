"""Helpers shared by tests: dump text builders and an HTML link collector."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

ABSTRACT = ("We study how networks of spiking neurons learn. Our experiments show that local "
            "plasticity rules suffice for a range of tasks, and we analyse why they work so well "
            "in practice across many settings.")


def full_dump(*papers: tuple, capture: str = "Dec 9") -> str:
    """A dump in the full format; each paper is (title, abstract, meta_line, date_line)."""
    lines = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", "",
             "Daily Papers", "", "byAK and the research community", "", capture, ""]
    for title, abstract, meta, date in papers:
        lines += [title, "", abstract, ""]
        if meta is not None:
            lines += [f"  {meta}", "·", date, ""]
    return "\n".join(lines)


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag.attr, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append((f"{tag}.{name}", value))


def collect_links(html: str) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(html)
    return collector


def broken_internal_links(output: Path, base_url: str) -> list[str]:
    """Every internal href/src of every HTML page that does not name an existing file."""
    base_path = urlsplit(base_url).path
    broken = []
    for page in sorted(output.rglob("*.html")):
        relative = page.relative_to(output).as_posix()
        page_url = urljoin(base_url, relative)
        for attribute, link in collect_links(page.read_text(encoding="utf-8")).links:
            absolute = urljoin(page_url, link)
            parts = urlsplit(absolute)
            if absolute.startswith(("mailto:", "data:")):
                continue
            if parts.netloc != urlsplit(base_url).netloc:
                continue  # external: a link, never a request made by the page
            if not parts.path.startswith(base_path):
                broken.append(f"{relative}: {attribute}={link} leaves the site's path")
                continue
            target = unquote(parts.path[len(base_path):])
            if target == "" or target.endswith("/"):
                target += "index.html"
            if not (output / target).is_file():
                broken.append(f"{relative}: {attribute}={link} -> missing {target}")
    return broken
