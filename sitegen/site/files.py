"""Every file of the site as the write step sees it (`OutputFile`): the pages, each
rendered by the `Renderer` when asked (`page_files`), and the files no template makes:
papers.json, redirects.json, .nojekyll and CNAME (`data_files`)."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Callable

from ..config import SiteConfig
from ..content.model import Digest, Paper
from ..ids import paper_ids
from ..keys import PageKeys
from ..redirects import redirects_json
from .pages import Page, redirects_of
from .render import Renderer


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


def _redirects_file(text: str) -> OutputFile:
    """redirects.json, keyed by its text (small: made at once), so it is written only when
    the redirects change."""
    return OutputFile("redirects.json", lambda: text, False,
                      key_of=lambda: hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest())


_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def papers_json(digest: Digest) -> str:
    """Every paper's record, in the digest's order."""
    ids = paper_ids([paper.slug for paper in digest.papers])
    records = (_record_json(paper, digest.similar.get(paper.slug, []), ids[paper.slug]) for paper in digest.papers)
    return "[" + ",".join(records) + "]\n"


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
