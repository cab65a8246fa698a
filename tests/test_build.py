"""End-to-end builds: the seed digest, hostile input, links, determinism, atomicity."""

from __future__ import annotations

import filecmp
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import ABSTRACT, broken_internal_links, collect_links, full_dump

# Markup is never part of a title (such a line is not a paper); what a title may hold still
# has to be escaped everywhere: ampersands, quotes, angle brackets, template syntax.
HOSTILE_TITLE = 'Spikes & "quotes" {{ 7*7 }} {% raw %} when x < y > z'


def paper_pages(output: Path) -> list[Path]:
    return sorted(output.glob("papers/*/index.html"))


# --- the seed digest --------------------------------------------------------------

def test_seed_digest_has_a_page_per_paper_and_the_listing_pages(seed_site):
    out = seed_site.output
    assert len(paper_pages(out)) == 208
    for page in ["index.html", "404.html", "topics/index.html", "days/index.html",
                 "days/undated/index.html", "days/2025-09/index.html", "days/2025-09-30/index.html",
                 "topics/interpretability/index.html", "papers.json", "feed.xml", "sitemap.xml",
                 "robots.txt", ".nojekyll", "static/site.css", "static/site.js"]:
        assert (out / page).is_file(), page


def test_papers_json_is_the_content_model(seed_site):
    papers = json.loads((seed_site.output / "papers.json").read_text())
    dragon = next(p for p in papers if p["title"].startswith("The Dragon Hatchling"))
    assert dragon["url"] == f"papers/{dragon['slug']}/"
    assert (dragon["date"], dragon["date_source"], dragon["upvotes"]) == ("2025-09-30", "published", 27)
    assert dragon["organization"] == {"account": "pathwaycom", "name": "Pathway"}
    assert dragon["sources"] == ["seeds/000_bb88212175b581c7.txt:245"]
    for paper in papers:
        assert set(paper) >= {"slug", "url", "title", "abstract", "date", "date_source", "authors",
                              "organization", "upvotes", "topics", "sources"}
        assert (seed_site.output / paper["url"] / "index.html").is_file()


def test_papers_json_never_closes_the_script_it_may_be_pasted_into(seed_site):
    import dataclasses
    from sitegen.build import load_digest
    from sitegen.config import load_config
    from sitegen.site.files import papers_json

    digest = load_digest(load_config(seed_site.config))
    digest.papers[3] = dataclasses.replace(digest.papers[3], title="A </script> title, corrected")
    text = papers_json(digest)
    assert "</" not in text and json.loads(text)[3]["title"] == "A </script> title, corrected"


def test_paper_page_shows_facts_provenance_and_share_metadata(seed_site):
    papers = json.loads((seed_site.output / "papers.json").read_text())
    dragon = next(p for p in papers if p["title"].startswith("The Dragon Hatchling"))
    html = seed_site.page(dragon["url"] + "index.html")
    canonical = f"https://example.github.io/sitegen/{dragon['url']}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '<meta property="og:title" content="The Dragon Hatchling:' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta name="citation_publication_date" content="2025/09/30">' in html
    assert "Sep 30, 2025" in html and "(published)" in html
    assert "seeds/000_bb88212175b581c7.txt:245" in html
    for site in ("huggingface.co/papers?q=", "arxiv.org/search/", "scholar.google.com/scholar?q="):
        assert site in html
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert ld["@type"] == "ScholarlyArticle" and ld["datePublished"] == "2025-09-30"
    similar = re.search(r'<section class="similar".*?</section>', html, re.S).group(0)
    assert len(re.findall(r"<li>", similar)) == 5


def test_paper_dated_by_its_capture_says_so(seed_site):
    papers = json.loads((seed_site.output / "papers.json").read_text())
    captured = next(p for p in papers if p["date_source"] == "captured")
    assert captured["date"] == "2026-03-11"
    assert "this is when it was captured" in seed_site.page(captured["url"] + "index.html")


def test_paper_pages_stay_under_30_kb(seed_site):
    largest = max(paper_pages(seed_site.output), key=lambda p: p.stat().st_size)
    assert largest.stat().st_size < 30_000, largest


def test_no_broken_internal_links_at_the_domain_root(seed_site):
    assert broken_internal_links(seed_site.output, "https://example.github.io/sitegen/") == []


def test_no_broken_internal_links_under_a_sub_path(subpath_site):
    out = subpath_site.output
    assert broken_internal_links(out, "https://user.github.io/digest/") == []
    not_found = subpath_site.page("404.html")
    assert 'href="/digest/static/site.css"' in not_found  # served at any depth by GitHub Pages
    assert "https://user.github.io/digest/papers/" in subpath_site.page("sitemap.xml")


def test_no_page_loads_anything_from_another_site(seed_site):
    for page in seed_site.output.rglob("*.html"):
        for attribute, link in collect_links(page.read_text()).links:
            if attribute in ("script.src", "img.src", "link.href") and link.startswith(("http:", "https:", "//")):
                assert attribute == "link.href" and "canonical" in page.read_text(), (page, link)
    for page in seed_site.output.rglob("*.html"):
        assert not re.search(r'<(script|img|iframe)[^>]+src="(https?:)?//', page.read_text())
        assert not re.search(r'<link rel="stylesheet" href="(https?:)?//', page.read_text())


def test_sitemap_feed_and_robots_are_well_formed(seed_site):
    sitemap = ET.parse(seed_site.output / "sitemap.xml").getroot()
    locations = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert all(loc.startswith("https://example.github.io/sitegen/") for loc in locations)
    assert len([loc for loc in locations if "/papers/" in loc]) == 208
    feed = ET.parse(seed_site.output / "feed.xml").getroot()
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert 0 < len(entries) <= 50
    assert "Sitemap: https://example.github.io/sitegen/sitemap.xml" in seed_site.page("robots.txt")


def test_days_archive_draws_a_bar_chart_per_year(seed_site):
    html = seed_site.page("days/index.html")
    assert html.count("<svg") == len(re.findall(r'<section class="year"', html)) >= 2
    assert "Papers per month in 2025" in html


# --- hostile and messy input ----------------------------------------------------

@pytest.fixture
def hostile_site(site):
    site.write("dumps/a.txt", full_dump(
        (HOSTILE_TITLE, "Abstract with <b>tags</b> & {{ config }} and </script> inside. " + ABSTRACT,
         "evil<org> Evil \"Org\" <img src=x onerror=alert(1)>", "Jun 12, 2025 3"),
        capture="Dec 9"))
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "per_page: 1\n")
    site.build("--base-url", "https://example.org/")
    return site


def test_hostile_titles_are_escaped_everywhere_and_never_evaluated(hostile_site):
    out = hostile_site.output
    [page] = paper_pages(out)
    for path in [page, out / "index.html", out / "topics/spiking/index.html", out / "days/index.html"]:
        html = path.read_text()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
    html = page.read_text()
    assert "Spikes &amp; &#34;quotes&#34; {{ 7*7 }} {% raw %} when x &lt; y &gt; z" in html
    assert "Abstract with &lt;b&gt;tags&lt;/b&gt; &amp; {{ config }}" in html
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "</script" not in ld and json.loads(ld)["headline"] == HOSTILE_TITLE
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text == HOSTILE_TITLE
    assert json.loads((out / "papers.json").read_text())[0]["title"] == HOSTILE_TITLE


def test_messy_dump_builds_with_warnings_and_valid_links(site):
    messy = ("\ufeffnew\r\n\r\nSubscribeFirst Paper On Spiking\r\n" + ABSTRACT + "  \r\n"
             "Second Paper\r\n" + ABSTRACT + "\r\nLast title alone").encode("utf-8") + b"\xff"
    site.write("dumps/messy.txt", messy)
    site.write("dumps/empty.txt", "")
    result = site.build()
    assert "dumps/messy.txt:7: warning: bytes that are not UTF-8" in result.output
    assert "dumps/messy.txt:7: warning: title has no abstract" in result.output
    assert len(paper_pages(site.output)) == 3
    assert broken_internal_links(site.output, "https://example.org/") == []


# --- determinism and atomicity --------------------------------------------------

def test_two_builds_are_byte_identical(site, tmp_path):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12 3"),
                                        ("Spiking Two", ABSTRACT, "OrgX Org X", "Nov 1, 2021")))
    site.build("-o", str(tmp_path / "one"))
    site.build("-o", str(tmp_path / "two"))
    comparison = filecmp.dircmp(tmp_path / "one", tmp_path / "two")
    differing = []

    def walk(cmp):
        differing.extend(cmp.diff_files + cmp.left_only + cmp.right_only)
        for sub in cmp.subdirs.values():
            walk(sub)
    walk(comparison)
    assert differing == []
    files = [p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file()]
    assert all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes() for f in files)


def test_seed_build_is_deterministic(seed_site, tmp_path):
    seed_site.build("--quiet", "-o", str(tmp_path / "again"))
    for path in seed_site.output.rglob("*"):
        if path.is_file():
            twin = tmp_path / "again" / path.relative_to(seed_site.output)
            assert twin.read_bytes() == path.read_bytes(), path


def test_rendering_in_worker_processes_writes_what_one_process_does(seed_site, tmp_path,
                                                                    monkeypatch):
    # The seed digest renders in this process; large sites render in forked workers.
    from dataclasses import replace
    from sitegen import render_step
    from sitegen.build import build
    from sitegen.config import load_config
    from multiprocessing import context
    monkeypatch.setattr(render_step, "PARALLEL_THRESHOLD", 50)
    pools, make_pool = [], context.ForkContext.Pool
    monkeypatch.setattr(context.ForkContext, "Pool",
                        lambda self, *args, **kwargs: pools.append(args) or make_pool(self, *args, **kwargs))
    build(replace(load_config(seed_site.config), output=tmp_path / "parallel"))
    assert pools  # the pages did render in workers
    for path in seed_site.output.rglob("*"):
        if path.is_file():
            twin = tmp_path / "parallel" / path.relative_to(seed_site.output)
            assert twin.read_bytes() == path.read_bytes(), path


def test_dumps_parsed_in_two_processes_make_the_digest_one_process_does(seed_site, tmp_path,
                                                                          monkeypatch):
    from dataclasses import replace
    import sitegen.parse_step
    from sitegen.build import build
    from sitegen.config import load_config
    from multiprocessing import context
    monkeypatch.setattr(sitegen.parse_step, "PARALLEL_PARSE_BYTES", 1000)
    children, make_process = [], context.ForkProcess
    monkeypatch.setattr(context.ForkContext, "Process",
                        lambda self, *args, **kwargs: children.append(kwargs) or make_process(*args, **kwargs))
    report = build(replace(load_config(seed_site.config), output=tmp_path / "two"))
    assert any(getattr(getattr(kwargs.get("target"), "__self__", None), "function", None)
               is sitegen.parse_step._parse_and_match for kwargs in children)  # (a `parallel.Child`)
    assert report.warnings == load_digest_warnings(seed_site)
    for name in ("papers.json", "topics/index.html", "days/index.html"):
        assert (tmp_path / "two" / name).read_bytes() == (seed_site.output / name).read_bytes(), name


def load_digest_warnings(site):
    from sitegen.build import load_digest
    from sitegen.config import load_config
    return load_digest(load_config(site.config)).diagnostics


def test_an_output_folder_that_cannot_be_listed_is_a_build_error_not_a_traceback(tmp_path):
    from sitegen.errors import BuildError
    from sitegen.cache import list_output
    with pytest.raises(BuildError, match="cannot list the output folder .*gone"):
        list_output(tmp_path / "gone")


def test_broken_template_fails_naming_file_and_line_and_keeps_the_previous_site(site):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    site.build()
    before = {p: p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    site.write("templates/paper.html", '{% extends "base.html" %}\n{% block content %}\n{{ paper.title }\n{% endblock %}\n')
    result = site.run("build")
    assert result.exit_code == 1
    assert re.search(r"templates/paper\.html:3: template syntax error", result.output), result.output
    after = {p: p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    assert after == before
    assert not list(site.root.glob("._site.*"))  # no staging folder left behind


@pytest.mark.parametrize("macros, expected", [
    ("{% macro paper_list(papers) %}{% for p in papers %}{% endfo %}{% endmacro %}\n",
     r"templates/_macros\.html:1: template syntax error"),
    ('{% include "no-such-part.html" %}\n',
     r"templates/topic\.html:\d+: template error .* TemplateNotFound: 'no-such-part\.html'")])
def test_broken_imported_template_after_a_good_build_names_file_and_line(site, macros, expected):
    """An imported or included template is compiled (and analysed for page keys) ahead
    of rendering: its error still names its file and line."""
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    site.build()
    if "include" in macros:
        from sitegen.site.theme import theme_dir
        topic = (theme_dir() / "templates" / "topic.html").read_text()
        site.write("templates/topic.html", topic.replace("{% block content %}", "{% block content %}" + macros))
    else:
        site.write("templates/_macros.html", macros)
    result = site.run("build")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(expected, result.output), result.output


def test_template_runtime_error_names_the_template_line(site):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    site.write("templates/topic.html", '{% extends "base.html" %}\n{% block content %}\n{{ no_such_variable.x }}\n{% endblock %}\n')
    result = site.run("build")
    assert result.exit_code == 1
    assert re.search(r"templates/topic\.html:3: template error", result.output), result.output


def test_site_templates_and_static_override_the_theme_by_name(site):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    site.write("templates/404.html", '{% extends "base.html" %}{% block content %}<p>Custom lost page</p>{% endblock %}\n')
    site.write("static/site.css", "body { color: teal; }\n")
    site.write("static/extra.txt", "extra")
    site.build()
    assert "Custom lost page" in site.page("404.html")
    assert site.page("static/site.css") == "body { color: teal; }\n"
    assert site.page("static/site.js").startswith("// sitegen default theme")
    assert site.page("static/extra.txt") == "extra"


def test_topic_pages_are_paged_within_each_month(site):
    papers = [(f"Spiking Paper {n}", ABSTRACT, "• 2 authors", f"Jun {n}, 2025") for n in range(1, 8)]
    papers.append(("Spiking in May", ABSTRACT, "• 2 authors", "May 30, 2025"))
    site.write("dumps/a.txt", full_dump(*papers))
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "per_page: 3\n")
    site.build()
    topic = site.page("topics/spiking/index.html")
    assert topic.count('class="paper-title"') == 3  # the newest, then the archive by month
    assert '<a href="../../topics/spiking/2025-06/">June</a> <span class="count">7</span>' in topic
    assert (site.output / "topics/spiking/2025-06/page/3/index.html").is_file()
    assert not (site.output / "topics/spiking/2025-06/page/4/index.html").exists()
    june = site.page("topics/spiking/2025-06/index.html")
    assert '<a rel="next" href="../../../topics/spiking/2025-06/page/2/">' in june
    assert "May 2025 →" in june
    last = site.page("topics/spiking/2025-06/page/3/index.html")
    assert '<a rel="prev" href="../../../../../topics/spiking/2025-06/page/2/">' in last
    assert "Spiking Paper 1<" in last
    assert "Spiking in May" in site.page("topics/spiking/2025-05/index.html")
    assert broken_internal_links(site.output, "https://example.org/") == []


def test_a_paper_added_in_an_old_month_leaves_other_months_topic_pages_alone(site):
    papers = [(f"Spiking Paper {n}", ABSTRACT, "• 2 authors", f"Jun {n}, 2025") for n in range(1, 8)]
    papers += [(f"Spiking in May {n}", ABSTRACT, "• 2 authors", f"May {n}, 2025") for n in range(1, 8)]
    site.write("dumps/a.txt", full_dump(*papers))
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "per_page: 3\n")
    site.build()
    june = {path: site.page(path) for path in ("topics/spiking/2025-06/index.html",
                                                "topics/spiking/2025-06/page/3/index.html")}
    site.write("dumps/b.txt", full_dump(("Spiking in May, again", ABSTRACT, "• 2 authors", "May 4, 2025")))
    site.build()
    assert {path: site.page(path) for path in june} == june
    assert "Spiking in May, again" in site.page("topics/spiking/2025-05/page/2/index.html")


# --- publishing on GitHub Pages -----------------------------------------------------

def test_each_topic_has_its_own_feed_linked_from_its_page(seed_site):
    feed = ET.parse(seed_site.output / "topics/spiking/feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.find(f"{atom}title").text.startswith("Spiking and neuromorphic computing")
    self_link = [l.get("href") for l in feed.findall(f"{atom}link") if l.get("rel") == "self"]
    assert self_link == ["https://example.github.io/sitegen/topics/spiking/feed.xml"]
    assert all("spiking" in [c.get("term") for c in entry.findall(f"{atom}category")]
               for entry in feed.findall(f"{atom}entry"))
    html = seed_site.page("topics/spiking/index.html")
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="../../topics/spiking/feed.xml"' in html


def test_oversized_file_is_a_warning_and_fails_under_strict(site):
    site.write("dumps/a.txt", f"Spiking One\n{ABSTRACT}\n")
    big = site.root / "static" / "huge.bin"
    big.parent.mkdir()
    with open(big, "wb") as handle:  # sparse: 101 MiB on paper, nothing on disk
        handle.truncate(101 * 2**20)
    result = site.build()
    assert ("_site/static/huge.bin: warning: 101 MB, over 50 MB: GitHub warns about files over 50 MB "
            "and refuses them over 100 MB. It is part of the static files (static/)") in result.output
    strict = site.run("build", "--strict")
    assert strict.exit_code == 1 and "too heavy for GitHub Pages" in strict.output


def test_folders_starting_with_underscore_are_never_written(site):
    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.write("static/_private/notes.txt", "x")
    result = site.run("build")
    assert result.exit_code == 1
    assert "GitHub Pages tooling skips folders whose names start with '_'" in result.output


def test_redirect_page_sends_an_old_link_to_the_renamed_paper(site):
    site.write("dumps/a.txt", full_dump(("Spiking Networks, Corrected", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.write("site.yaml", (site.root / "site.yaml").read_text() +
               "redirects:\n  spiking-netwrks: spiking-networks-corrected\n  gone: no-such-paper\n")
    result = site.build()
    assert "site.yaml:12: warning: redirect target 'no-such-paper' is no paper's slug" in result.output
    html = site.page("papers/spiking-netwrks/index.html")
    assert '<meta http-equiv="refresh" content="0; url=../../papers/spiking-networks-corrected/">' in html
    assert '<link rel="canonical" href="https://example.org/papers/spiking-networks-corrected/">' in html
    assert not (site.output / "papers/gone").exists()
    assert "spiking-netwrks" not in site.page("sitemap.xml")
    assert broken_internal_links(site.output, "https://example.org/") == []


OTHER_ABSTRACT = "A different paper altogether, about protein folding and nothing else."


def test_check_against_reports_a_removed_paper_url_until_redirected(site):
    site.write("dumps/a.txt", full_dump(("Spiking Networks Old Title", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.build()
    previous = site.root / "previous-papers.json"
    previous.write_text(site.page("papers.json"))
    site.write("dumps/a.txt", full_dump(("Spiking Networks New Title", OTHER_ABSTRACT, "• 2 authors",
                                         "Jun 12, 2025 3")))  # nothing tells it is the same paper
    result = site.run("check", "--against", str(previous))
    assert result.exit_code == 1
    assert "papers/spiking-networks-old-title/ (Spiking Networks Old Title) would break" in result.output
    site.write("site.yaml", (site.root / "site.yaml").read_text() +
               "redirects:\n  spiking-networks-old-title: spiking-networks-new-title\n")
    fixed = site.run("check", "--against", str(previous))
    assert fixed.exit_code == 0, fixed.output
    assert "No paper URL" in fixed.output
    assert site.run("check", "--against", str(site.root / "missing.json")).exit_code == 2


def test_check_against_tells_a_retitled_paper_is_redirected_of_its_own_accord(site):
    site.write("dumps/a.txt", full_dump(("Spiking Networks Old Title", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.build()
    previous = site.root / "previous-papers.json"
    previous.write_text(site.page("papers.json"))
    site.write("dumps/a.txt", full_dump(("Spiking Networks New Title", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    result = site.run("check", "--against", str(previous))
    assert result.exit_code == 0, result.output
    assert ("papers/spiking-networks-old-title/ moved to papers/spiking-networks-new-title/: "
            "the build redirects it") in result.output


def test_check_against_reads_the_deployed_papers_json_over_http(site):
    import functools
    import http.server
    import threading
    from conftest import QuietHandler
    site.write("dumps/a.txt", full_dump(("Spiking Networks Old Title", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.build()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        QuietHandler, directory=str(site.output)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/papers.json"
        assert site.run("check", "--against", url).exit_code == 0
        site.write("dumps/a.txt", full_dump(("Spiking Networks New", OTHER_ABSTRACT, "• 2 authors",
                                             "Jun 12, 2025 3")))
        result = site.run("check", "--against", url)
        assert result.exit_code == 1 and "spiking-networks-old-title/" in result.output
    finally:
        server.shutdown()


def test_symbolic_link_in_static_is_published_as_the_file_it_points_to(site, tmp_path):
    # GitHub Pages refuses sites that contain symbolic links: the output never has one.
    # (A link out of the project folder is refused: test_outside.py.)
    site.write("dumps/a.txt", full_dump(("Spiking Networks", ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.write("styles/shared.css", "body { color: teal }")
    (site.root / "static").mkdir()
    (site.root / "static" / "extra.css").symlink_to(site.root / "styles" / "shared.css")
    site.build()
    published = site.output / "static" / "extra.css"
    assert not published.is_symlink() and published.read_text() == "body { color: teal }"
    assert not any(path.is_symlink() for path in site.output.rglob("*"))


def test_pages_limits_warn_about_large_files_and_sites():
    from sitegen.weight import weight_problems
    assert weight_problems({"index.html": 10}, "_site") == []
    problems = weight_problems({"search/lunr.json": 101 * 2**20, "a": 2**30}, "_site")
    assert [p.path for p in problems] == ["_site/a", "_site/search/lunr.json", "_site"]


def test_a_large_replaced_site_is_deleted_after_the_build_returns(tmp_path, monkeypatch):
    import time
    from sitegen import output
    from sitegen.output import OutputWriter

    destination = tmp_path / "_site"
    for generation in ("first", "second"):
        with OutputWriter(destination) as out:
            for n in range(30):
                out.write(f"papers/{n}/index.html", f"{generation} {n}")
        monkeypatch.setattr(output, "BACKGROUND_REMOVAL_FILES", 10)
        monkeypatch.setattr(output.shutil, "rmtree", None)  # this process must not delete it
    assert (destination / "papers/7/index.html").read_text() == "second 7"
    deadline = time.monotonic() + 20
    while any(tmp_path.glob("._site.old-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["_site"]


def test_the_next_build_leaves_a_folder_to_the_live_process_deleting_it(tmp_path):
    import subprocess
    import sys
    from sitegen.output import BUILD_MARKER, MARKER_TEXT, remove_leftovers

    ended = subprocess.Popen(["true"])
    ended.wait()  # a process id no live process has
    deleter = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        being_deleted = tmp_path / f"._site.old-11.deleting-{deleter.pid}"
        killed_build = tmp_path / f"._site.building-{ended.pid}"
        for folder in (being_deleted, killed_build):
            (folder / "papers").mkdir(parents=True)
        (killed_build / BUILD_MARKER).write_text(MARKER_TEXT)
        remove_leftovers(tmp_path / "_site")
        assert being_deleted.is_dir() and not killed_build.exists()
    finally:
        deleter.kill()
        deleter.wait()
    remove_leftovers(tmp_path / "_site")  # its deleter is gone: this build finishes the job
    assert not being_deleted.exists()


@pytest.mark.parametrize("existing", [None, b"abcdefghij", b"abcdeXghij", b"abcdefgh", b"abcdefghijkl"])
def test_a_file_written_in_chunks_links_an_equal_file_and_writes_any_other(tmp_path, existing):
    from sitegen.output import OutputWriter

    chunks = [b"abc", b"def", b"ghij"]
    same_as = None
    if existing is not None:
        same_as = tmp_path / "current" / "lunr.json"
        same_as.parent.mkdir()
        same_as.write_bytes(existing)
    target = tmp_path / "new" / "search" / "lunr.json"
    stat = OutputWriter.put_chunks(target, iter(chunks), same_as)
    assert target.read_bytes() == b"abcdefghij" and stat.st_size == 10
    linked = existing == b"abcdefghij"
    assert (stat.st_ino == same_as.stat().st_ino) == linked if same_as else stat.st_nlink == 1
    if same_as is not None:
        assert same_as.read_bytes() == existing  # the current output is never written into


def test_output_paths_are_refused_outside_the_folder_or_twice_even_if_a_build_had_them():
    from sitegen.errors import BuildError
    from sitegen.output import claim_paths

    claim_paths(["index.html", "papers/a/index.html"])
    for paths, checked in [(["../escape.html"], ()), (["papers/a/../../x"], ()),
                           (["_layouts/x.html"], ()), (["a/index.html", "a/index.html"], ()),
                           (["a/index.html", "a/index.html"], {"a/index.html"})]:
        with pytest.raises(BuildError):
            claim_paths(paths, checked)


def test_a_saved_cache_loads_as_it_was_and_a_damaged_one_as_an_empty_one(seed_site, tmp_path):
    from sitegen import cache as build_cache
    from sitegen.content.dumps import parse_dump_bytes

    source = sorted((seed_site.root / "seeds").iterdir())[0]
    dump = parse_dump_bytes(source.read_bytes(), source.name)
    path = tmp_path / "cache" / "site.pickle"
    build_cache.save(build_cache.BuildCache(parsed={("a.txt", "text", "0" * 64): dump}), path)
    assert build_cache.load(path).parsed == {("a.txt", "text", "0" * 64): dump}
    assert sorted(p.name for p in path.parent.iterdir()) == ["site.pickle"]
    path.write_bytes(path.read_bytes()[:50])
    assert build_cache.load(path) == build_cache.BuildCache()


def test_the_build_cache_file_holds_plain_data_and_loads_nothing_else(seed_site, tmp_path):
    import dataclasses
    import pickle

    from sitegen import cache as build_cache
    from sitegen.build import build
    from sitegen.config import load_config
    from sitegen.content.similar import Similarity

    config = dataclasses.replace(load_config(seed_site.config), output=tmp_path / "out")
    cache = build_cache.BuildCache()
    build(config, cache=cache)
    assert cache.parsed and cache.search_tokens and cache.similar and cache.topic_matches
    path = tmp_path / "cache" / "site.pickle"
    build_cache.save(cache, path)
    saved = pickle.loads(path.read_bytes())
    assert type(saved) is dict and sitegen_types(saved) == set()
    loaded = build_cache.load(path)
    fields = ("parsed", "output", "topic_matches", "compiled_templates")  # (and NumPy arrays in the rest)
    assert [getattr(loaded, name) for name in fields] == [getattr(cache, name) for name in fields]
    again = build(config, cache=loaded)  # a rebuild from the saved cache changes nothing
    assert again.in_place and again.files == 0 and again.removed == 0

    path.write_bytes(pickle.dumps({"format": build_cache.FORMAT, "similar": Similarity()}))
    assert build_cache.load(path) == build_cache.BuildCache()  # a sitegen class: not loaded


def test_a_cache_of_this_format_holding_damaged_values_costs_only_time(seed_site, tmp_path):
    """A file that names this sitegen's format but holds values the build cannot take
    (hand-made, or damaged in an odd place) loads as an empty cache."""
    import dataclasses
    import pickle

    from sitegen import cache as build_cache
    from sitegen.build import build
    from sitegen.config import load_config

    config = dataclasses.replace(load_config(seed_site.config), output=tmp_path / "out")
    cache = build_cache.BuildCache()
    build(config, cache=cache)
    path = tmp_path / "cache" / "site.pickle"
    build_cache.save(cache, path)
    plain = pickle.loads(path.read_bytes())
    for name, damaged in [("similar", {"nope": 1}), ("topic_matches", (1,)), ("search_tokens", tuple("seven!!")),
                          ("parsed", {key: ("not", "a", "dump") for key in plain["parsed"]}), ("output", "x")]:
        path.write_bytes(pickle.dumps(dict(plain, **{name: damaged})))
        assert build_cache.load(path) == build_cache.BuildCache(), name
    path.write_bytes(pickle.dumps(plain))
    assert build_cache.load(path).parsed == cache.parsed


def sitegen_types(value) -> set[str]:
    """The types of sitegen's found anywhere in `value` (a tree of containers)."""
    found = {type(value).__qualname__} if type(value).__module__.startswith("sitegen") else set()
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            found |= sitegen_types(item)
    return found


def test_the_program_prints_its_summary_keeps_its_cache_and_exits_with_the_right_code(site):
    """What it printed, the build cache and the site must all be there, and a failure
    exits non-zero."""
    import os
    import subprocess
    import sys

    site.write("dumps/a.txt", full_dump(("Spiking One", ABSTRACT, "• 2 authors", "Nov 1, 2021")))

    def program(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=site.root,
                              capture_output=True, text=True, env=os.environ.copy())

    first = program("build")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Built _site/: 1 source, 1 entry, 1 paper")
    assert (site.output / "papers/spiking-one/index.html").is_file()
    again = program("build")  # the cache the first one saved: nothing to re-render
    assert again.returncode == 0, again.stderr
    pages, rendered = map(int, re.search(r"(\d+) pages \((\d+) files re-rendered, 0 changed", again.stdout).groups())
    assert rendered < pages / 2
    missing = program("build", "-c", "missing.yaml")
    assert missing.returncode == 2 and "no config file at missing.yaml" in missing.stderr
    site.write("dumps/b.txt", full_dump(("Spiking Two", ABSTRACT, "• 2 authors", "Jun 12")))
    strict = program("build", "--strict")
    assert strict.returncode == 1 and "cannot tell the year of Jun 12" in strict.stderr


def test_a_build_removes_the_caches_no_build_has_saved_for_a_month_and_nothing_else(seed_copy, monkeypatch,
                                                                                      tmp_path):
    import os
    import time

    from sitegen import cache as build_cache

    folder = tmp_path / "caches"
    folder.mkdir()
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(folder))
    month, hours = 31 * 86400, 3 * 3600
    aged = {"0123456789abcdef01234567.pickle": month,      # a digest deleted a month ago
            "fedcba9876543210fedcba98.pickle": hours,      # another digest, built this morning
            "00112233445566778899aabb.pickle3kx9_q0z": 2 * 86400,  # a save killed two days ago
            "00112233445566778899aabb.pickleab1c2d3e": hours,      # a save running now, say
            # not sitegen's names: the user's files
            "notes.pickle": month, "my-data.txt": month, "fedcba9876543210fedcba98.pickle.bak": month,
            "0123456789abcdef01234567.pickle-keep-me": month}
    for name, age in aged.items():
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (time.time() - age,) * 2)
    seed_copy.build()
    mine = build_cache.cache_path(seed_copy.config, seed_copy.output).name
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [mine, "fedcba9876543210fedcba98.pickle", "00112233445566778899aabb.pickleab1c2d3e",
         "notes.pickle", "my-data.txt", "fedcba9876543210fedcba98.pickle.bak",
         "0123456789abcdef01234567.pickle-keep-me"])
