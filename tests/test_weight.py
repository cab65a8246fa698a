"""Site weight: a sitemap index past the URL limit, large data files written in pieces
that read back whole, and the guard that names the heavy part of a site."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO
from helpers import ABSTRACT, full_dump

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
VENDORED_LUNR = REPO / "static" / "vendor" / "lunr-2.3.9" / "lunr.min.js"



def sitemap_urls(path) -> tuple[list[str], list[str | None]]:
    root = ET.parse(path).getroot()
    entries = list(root.iter(f"{SITEMAP}url"))
    return ([entry.find(f"{SITEMAP}loc").text for entry in entries],
            [getattr(entry.find(f"{SITEMAP}lastmod"), "text", None) for entry in entries])


def test_past_the_url_limit_the_sitemap_is_an_index_of_sitemaps(seed_copy, monkeypatch):
    seed_copy.build("--quiet")
    every, dates = sitemap_urls(seed_copy.output / "sitemap.xml")
    assert len(every) > 300 and "https://example.github.io/sitegen/papers/" in every[1]
    assert dates[0] is None and all(date is not None for date in dates[1:10])  # the front page has none

    from sitegen.site import pages
    monkeypatch.setattr(pages, "SITEMAP_URLS", 100)
    seed_copy.build("--quiet")
    index = ET.parse(seed_copy.output / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    listed = [entry.find(f"{SITEMAP}loc").text for entry in index.iter(f"{SITEMAP}sitemap")]
    count = -(-len(every) // 100)
    assert listed == [f"https://example.github.io/sitegen/sitemap-{n}.xml" for n in range(1, count + 1)]
    parts = [sitemap_urls(seed_copy.output / f"sitemap-{n}.xml") for n in range(1, count + 1)]
    assert all(len(urls) <= 100 for urls, _ in parts)
    assert [url for urls, _ in parts for url in urls] == every
    assert [date for _, part_dates in parts for date in part_dates] == dates
    newest = [max(filter(None, part_dates), default=None) for _, part_dates in parts]
    assert [getattr(entry.find(f"{SITEMAP}lastmod"), "text", None)
            for entry in index.iter(f"{SITEMAP}sitemap")] == newest
    assert newest[0] is not None
    assert "Sitemap: https://example.github.io/sitegen/sitemap.xml" in seed_copy.page("robots.txt")

    monkeypatch.setattr(pages, "SITEMAP_URLS", 50_000)
    seed_copy.build("--quiet")  # back under the limit: the numbered sitemaps are gone
    assert not list(seed_copy.output.glob("sitemap-*.xml"))
    assert sitemap_urls(seed_copy.output / "sitemap.xml")[0] == every


def test_a_paper_pages_lastmod_is_its_date(site):
    site.write("dumps/a.txt", full_dump(("Spiking cells", ABSTRACT, "• 2 authors", "Jun 1, 2024"),
                                        ("Spiking nets", ABSTRACT, "• 2 authors", "Jun 3, 2024")))
    site.build("--quiet")
    urls, dates = sitemap_urls(site.output / "sitemap.xml")
    lastmod = dict(zip(urls, dates))
    assert lastmod["https://example.org/papers/spiking-cells/"] == "2024-06-01"
    assert lastmod["https://example.org/days/2024-06-01/"] == "2024-06-01"
    assert lastmod["https://example.org/topics/spiking/"] == "2024-06-03"  # its newest paper
    assert lastmod["https://example.org/days/"] is None


def test_large_data_files_are_written_in_pieces_that_join_into_the_whole(seed_copy, monkeypatch, tmp_path):
    from sitegen import pieces
    seed_copy.build("--quiet")
    whole_papers = (seed_copy.output / "papers.json").read_bytes()
    whole_index = (seed_copy.output / "search/lunr.json").read_bytes()
    assert not list(seed_copy.output.rglob("*.json.0*"))

    monkeypatch.setattr(pieces, "PIECE_BYTES", 150_000)
    seed_copy.build("--quiet")
    for name, whole in (("papers.json", whole_papers), ("search/lunr.json", whole_index)):
        listed = json.loads((seed_copy.output / name).read_text())
        folder = (seed_copy.output / name).parent
        assert listed["pieces"] == [f"{name.rsplit('/', 1)[-1]}.{n:03d}" for n in range(1, len(listed["pieces"]) + 1)]
        assert len(listed["pieces"]) >= 2 and listed["bytes"] == len(whole)
        parts = [(folder / piece).read_bytes() for piece in listed["pieces"]]
        assert all(len(part) <= 150_000 for part in parts)
        assert b"".join(parts) == whole, name  # byte for byte the file it stands for
        [part.decode("utf-8") for part in parts]  # each cut between records
        assert pieces.join_pieces(lambda n: (seed_copy.output / n).read_bytes()
                                  if (seed_copy.output / n).exists() else None, name) == whole

    joined = tmp_path / "lunr.json"
    joined.write_bytes(pieces.join_pieces(lambda n: (seed_copy.output / n).read_bytes(), "search/lunr.json"))
    script = f"""
      const lunr = require({json.dumps(str(VENDORED_LUNR))});
      const index = lunr.Index.load(JSON.parse(require('fs').readFileSync({json.dumps(str(joined))}, 'utf8')));
      console.log(JSON.stringify(index.search('dragon hatchling').map(r => r.ref)));
    """
    found = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    papers = {paper["id"]: paper["slug"] for paper in json.loads(whole_papers)}
    assert papers[found[0]].startswith("the-dragon-hatchling")

    # The next build reads the previous build's papers.json in pieces, for its redirects.
    seeds = seed_copy.root / "seeds"
    dump = sorted(seeds.glob("*.txt"))[0]
    dump.write_text(dump.read_text(encoding="utf-8").replace("The Dragon Hatchling", "The Dragon Hatchlings"),
                    encoding="utf-8")
    result = seed_copy.build()
    redirects = json.loads(seed_copy.page("redirects.json"))
    assert any(old.startswith("papers/the-dragon-hatchling-") for old in redirects), result.output
    check = seed_copy.run("check", "--against", str(seed_copy.output / "papers.json"))
    assert check.exit_code == 0, check.output


def test_a_rebuild_leaves_pieces_that_came_out_the_same_untouched(seed_copy, monkeypatch):
    from sitegen import pieces
    monkeypatch.setattr(pieces, "PIECE_BYTES", 150_000)
    seed_copy.build("--quiet", "--no-cache")
    written = {path: path.stat().st_mtime_ns for path in seed_copy.output.glob("papers.json.0*")}
    assert len(written) >= 2
    result = seed_copy.build("--no-cache")
    assert "re-rendered, 0 changed, 0 removed" in result.output, result.output
    assert {path: path.stat().st_mtime_ns for path in written} == written


def test_a_cached_rebuild_compares_a_re_rendered_file_with_its_pieces_and_rewrites_only_what_changed(
        seed_copy, monkeypatch):
    from sitegen import pieces
    monkeypatch.setattr(pieces, "PIECE_BYTES", 150_000)
    seed_copy.build("--quiet")
    written = {path: path.stat().st_mtime_ns for path in seed_copy.output.glob("papers.json.0*")}
    assert len(written) >= 3
    dump = sorted((seed_copy.root / "seeds").glob("*.txt"))[0]
    dump.write_text(dump.read_text(encoding="utf-8").replace("The Dragon Hatchling", "The Dragon Hatchlings"),
                    encoding="utf-8")
    seed_copy.build("--quiet")  # papers.json is rendered again: one record changed
    assert "The Dragon Hatchlings" in pieces.join_pieces(lambda name: (seed_copy.output / name).read_bytes(),
                                                          "papers.json").decode()
    kept = [path for path in written if path.stat().st_mtime_ns == written[path]]
    assert 0 < len(kept) < len(written)


def test_a_pointer_whose_pieces_are_missing_is_an_error_not_a_short_file(tmp_path):
    from sitegen import pieces
    (tmp_path / "papers.json").write_bytes(pieces.pointer("papers.json", 2, 10))
    (tmp_path / "papers.json.001").write_bytes(b"[]")
    read = lambda name: (tmp_path / name).read_bytes() if (tmp_path / name).exists() else None  # noqa: E731
    with pytest.raises(ValueError, match="papers.json.002 is missing"):
        pieces.join_pieces(read, "papers.json")
    (tmp_path / "papers.json").write_bytes(b'{"pieces":["../../etc/passwd"]}')
    with pytest.raises(ValueError, match="not its own"):
        pieces.join_pieces(read, "papers.json")


def test_the_weight_guard_names_the_heavy_part_and_what_to_change():
    from sitegen.weight import weight_problems
    mb = 2**20
    assert weight_problems({"index.html": 10, "search/lunr.json": 49 * mb}, "_site") == []
    sizes = {"papers.json": 30 * mb, "search/lunr.json": 61 * mb, "topics/a/index.html": 20 * mb,
             **{f"papers/p{n}/index.html": 9 * mb for n in range(80)}}
    [big, site] = weight_problems(sizes, "_site")
    assert big.path == "_site/search/lunr.json"
    assert "61 MB" in big.message and "50 MB" in big.message and "the search index" in big.message
    assert site.path == "_site" and "831 MB" in site.message
    assert "the paper pages (papers/), 720 MB (86%)" in site.message and "templates/paper.html" in site.message
    [topics] = weight_problems({f"topics/t{n}/index.html": 9 * mb for n in range(100)}, "_site")
    assert "the topic pages (topics/)" in topics.message and "max_topics" in topics.message


def test_a_build_past_the_weight_limits_warns_and_strict_keeps_the_previous_site(seed_copy, monkeypatch):
    from sitegen import weight
    seed_copy.build("--quiet")
    before = seed_copy.page("index.html")
    monkeypatch.setattr(weight, "SITE_WARNING_BYTES", 2_000_000)
    monkeypatch.setattr(weight, "FILE_WARNING_BYTES", 600_000)
    result = seed_copy.run("build")
    assert result.exit_code == 0
    assert "search/lunr.json: " in result.output and "the search index" in result.output
    assert "The heaviest part is the paper pages (papers/)" in result.output
    config = (seed_copy.root / "site.yaml").read_text(encoding="utf-8")
    seed_copy.write("site.yaml", config.replace("title: Neurons & Networks Digest", "title: Heavier Digest"))
    strict = seed_copy.run("build", "--strict")
    assert strict.exit_code == 1 and "too heavy for GitHub Pages" in strict.output
    assert seed_copy.page("index.html") == before and "Heavier Digest" not in before
