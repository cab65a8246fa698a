"""Rebuilds with the build cache: only what changed is rendered, and the result is
always byte for byte what a full build gives."""

from __future__ import annotations

import difflib
import json
import re
import shutil

import pytest

from conftest import REPO, Site, copy_of_seeds
from helpers import ABSTRACT, full_dump
from sitegen.output import BUILD_MARKER


def tree(folder) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_same_as_full_build(site: Site) -> None:
    """Build from scratch into another folder and compare every file.  The fresh build
    is told the URLs the site had (its papers.json and redirects.json), as the rebuild was."""
    fresh = site.root / "_fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    for name in ("papers.json", "redirects.json", ".nojekyll", ".sitegen-site"):
        shutil.copy(site.output / name, fresh / name)
    site.build("--quiet", "--no-cache", "-o", str(fresh))
    rebuilt, expected = tree(site.output), tree(fresh)
    missing, extra = sorted(expected.keys() - rebuilt.keys()), sorted(rebuilt.keys() - expected.keys())
    assert not missing and not extra, f"missing {missing[:5]}, left behind {extra[:5]}"
    for relative in sorted(expected):
        if rebuilt[relative] != expected[relative]:
            diff = difflib.unified_diff(expected[relative].decode(errors="replace").splitlines(),
                                        rebuilt[relative].decode(errors="replace").splitlines(),
                                        "full build", "rebuild", lineterm="", n=1)
            pytest.fail(f"{relative} differs from a full build:\n" + "\n".join(list(diff)[:40]))


def rerendered(result) -> int:
    found = re.search(r"\((\d+) files? re-rendered", result.output)
    assert found, result.output
    return int(found.group(1))


@pytest.fixture
def seed_copy(tmp_path) -> Site:
    """The shipped digest in a folder of the test's own, built once."""
    site = copy_of_seeds(tmp_path / "site")
    site.build("--quiet")
    return site


def edit(site: Site, relative: str, old: str, new: str) -> None:
    """Replace text in a file; a seed dump is named by its number ("seeds/000")."""
    path = site.root / relative
    if not path.exists():
        path = next((site.root / "seeds").glob(f"{path.name}_*.txt"))
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_corrected_title_rerenders_only_the_pages_that_show_the_paper(seed_copy):
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    result = seed_copy.build()
    assert 0 < rerendered(result) < 60, result.output
    assert not (seed_copy.output / "papers/the-dragon-hatchling-the-missing-link-between-the-transformer").exists()
    assert_same_as_full_build(seed_copy)


def document_chunks(site: Site) -> dict[str, tuple[int, bytes]]:
    return {path.name: (path.stat().st_ino, path.read_bytes())
            for path in (site.output / "search" / "docs").iterdir()}


def test_a_rebuild_keeps_the_search_document_chunks_of_unchanged_papers(seed_copy):
    before = document_chunks(seed_copy)
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    seed_copy.build("--quiet")
    after = document_chunks(seed_copy)
    kept = [name for name in before if after.get(name) == before[name]]  # the same file, too
    made = [name for name in after if after[name] != before.get(name)]
    # Its chunk, and the few after it whose cuts moved (a handful at most, of hundreds at
    # 10,000 papers; the seeds have a dozen chunks).
    assert len(kept) >= len(before) // 2 and 1 <= len(made) <= len(before) // 2
    assert any(b"(revised)" in after[name][1] for name in made)
    assert_same_as_full_build(seed_copy)


def test_a_rebuild_clears_the_spare_folder_an_older_version_left_beside_the_site(seed_copy):
    spare = seed_copy.root / "._site.spare" / "pages"
    spare.mkdir(parents=True)
    (spare / "123").write_text("a file an older sitegen kept to write over")
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    seed_copy.build("--quiet")
    assert not (seed_copy.root / "._site.spare").exists()
    assert_same_as_full_build(seed_copy)


def test_a_new_days_papers_leave_the_document_chunks_of_the_others_alone(seed_copy):
    before = document_chunks(seed_copy)
    seed_copy.write("seeds/003_new.txt", full_dump(
        *[(f"Dendritic Computation Study {n}", ABSTRACT, "• 2 authors", f"Apr 1 {n}") for n in range(3)],
        capture="Apr 2"))
    config = (seed_copy.root / "site.yaml").read_text(encoding="utf-8")
    seed_copy.write("site.yaml", config.replace(
        "sources:\n", "sources:\n  - path: seeds/003_new.txt\n    captured: 2026-04-02\n", 1))
    seed_copy.build("--quiet")
    papers = json.loads((seed_copy.output / "papers.json").read_text(encoding="utf-8"))
    assert papers[0]["title"].startswith("Dendritic Computation Study")  # newest first
    after = document_chunks(seed_copy)
    kept = [name for name in before if after.get(name) == before[name]]
    # The chunk they join changes, and the next one or two whose cuts moved with it
    # (where a chunk is cut depends on the papers near the cut: `search_files.document_chunks`).
    assert len(kept) >= len(before) - 3 and len(after) - len(kept) <= 3
    assert_same_as_full_build(seed_copy)


def test_a_rebuild_that_changes_no_indexed_field_leaves_the_search_folder_alone(seed_copy):
    search = seed_copy.output / "search"
    before = {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in search.rglob("*")
              if path.is_file() and path.name != "index.html"}
    edit(seed_copy, "seeds/000", "• 8 authors", "• 9 authors")  # authors are not indexed
    result = seed_copy.build()
    assert "search index" not in result.output, result.output  # no new index to report
    after = {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in search.rglob("*")
             if path.is_file() and path.name != "index.html"}
    assert after == before
    assert_same_as_full_build(seed_copy)


def test_a_build_without_the_cache_links_the_search_files_it_makes_again_unchanged(seed_copy):
    search = seed_copy.output / "search"

    def search_files():
        return {path.relative_to(search).as_posix(): (path.stat().st_ino, path.read_bytes())
                for path in search.rglob("*") if path.is_file() and path.name != "index.html"}

    before = search_files()
    seed_copy.build("--quiet", "--no-cache")  # nothing changed: every file made again as it was
    assert search_files() == before
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    seed_copy.build("--quiet", "--no-cache")
    after = search_files()
    changed = {name for name in before if after.get(name, (None, b""))[1] != before[name][1]}
    assert "lunr.json" in changed and len(changed) < len(before)
    assert all(after[name][0] != before[name][0] for name in changed if name in after)
    assert all(after[name][0] == before[name][0] for name in before if name not in changed)
    assert_same_as_full_build(seed_copy)


def test_the_next_build_from_the_command_line_neither_parses_nor_compiles_a_template(seed_copy,
                                                                                    monkeypatch):
    import jinja2
    from sitegen import build as building, cache as build_cache
    from sitegen.config import load_config
    config = load_config(seed_copy.config)
    path = build_cache.cache_path(config.path, config.output)

    def a_new_process():  # what a new process has: the cache file, no template worked on
        return build_cache.load(path)

    cache = a_new_process()
    building.build(config, cache=cache)
    build_cache.save(cache, path)
    parsed = []
    monkeypatch.setattr(jinja2.Environment, "_parse", lambda *args: parsed.append(args[2]) or 1 / 0)
    cache = a_new_process()
    building.build(config, cache=cache)
    assert parsed == [] and cache.compiled_templates
    monkeypatch.undo()
    day = (REPO / "templates" / "day.html").read_text()
    seed_copy.write("templates/day.html", day.replace("{{ paper_list(", "<!-- edited -->\n{{ paper_list("))
    cache = a_new_process()
    building.build(config, cache=cache)  # an edited template is parsed and compiled again
    assert "<!-- edited -->" in next((config.output / "days").glob("*/index.html")).read_text()


def test_rebuild_with_nothing_changed_renders_almost_nothing(seed_copy):
    before = tree(seed_copy.output)
    result = seed_copy.build()
    assert rerendered(result) <= 3  # papers.json and the like are rendered and compared
    assert tree(seed_copy.output) == before


def test_keys_worked_out_while_rendering_in_workers_are_those_of_this_process(seed_copy, monkeypatch):
    from dataclasses import replace
    from sitegen import render_step
    from sitegen.build import build
    from sitegen.cache import BuildCache
    from sitegen.config import load_config
    monkeypatch.setattr(render_step, "PARALLEL_THRESHOLD", 50)
    monkeypatch.setattr(render_step.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    config = replace(load_config(seed_copy.config), output=seed_copy.root / "_parallel")
    cache = BuildCache()
    build(config, cache=cache)  # a first build: keys worked out as forked workers render
    again = build(config, cache=cache)  # a trusted record: keys worked out here, up front
    assert again.in_place and again.rendered <= 3, again.summary()


@pytest.mark.parametrize("change", [
    ("seeds/001", "Spiking", "Spiking Spiking"),  # a title in the undated dump
    ("seeds/000", "The relationship between computing systems", "How computing systems"),  # listed
    ("seeds/002", "Mar 11\n\n", "Mar 11\n\nExtra Paper About Spiking Neurons\n\nA short abstract "
                                  "about spiking neurons and their dynamics in cortex, studied with "
                                  "models of the brain.\n\n"),
    ("site.yaml", "title:", "title: Renamed\nold_title:"),
    ("site.yaml", "match:", "match: [graph*]\n    old_match:"),
])
def test_any_edit_gives_what_a_full_build_gives(seed_copy, change):
    relative, old, new = change
    if relative == "site.yaml":
        text = (seed_copy.root / relative).read_text()
        if old == "title:":
            text = re.sub(r"^title: .*$", "title: Renamed Digest", text, count=1, flags=re.M)
        else:
            text = text.replace("match: [", "match: [graph*, ", 1)
        (seed_copy.root / relative).write_text(text)
    else:
        edit(seed_copy, relative, old, new)
    seed_copy.build("--quiet")
    assert_same_as_full_build(seed_copy)


def test_a_site_setting_every_page_shows_re_renders_every_page(seed_copy):
    """`site` is one object every page holds: its settings are in every page's key."""
    seed_copy.build("--quiet")
    text = (seed_copy.root / "site.yaml").read_text(encoding="utf-8")
    (seed_copy.root / "site.yaml").write_text(text.replace("per_page: 30", "per_page: 30\nlanguage: de"),
                                              encoding="utf-8")
    seed_copy.build("--quiet")
    pages = [path for path in seed_copy.output.rglob("*.html")]
    assert pages and all('<html lang="de">' in path.read_text(encoding="utf-8") for path in pages)
    assert_same_as_full_build(seed_copy)


def test_rebuilds_from_a_cache_in_memory_give_what_a_full_build_gives(seed_copy):
    """As in serve: one cache in memory across rebuilds, edits of many kinds between."""
    from sitegen.build import build
    from sitegen.cache import BuildCache
    from sitegen.config import load_config

    cache = BuildCache()
    build(load_config(seed_copy.config), cache=cache)
    edits = [("seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)"),  # a new slug
             ("seeds/000", "The relationship between computing systems", "How computing systems"),
             ("seeds/000", "Apr 30, 2024\n\nThe Dragon", "Apr 29, 2024\n\nThe Dragon")]  # the paper before
    for relative, old, new in edits:
        edit(seed_copy, relative, old, new)
        report = build(load_config(seed_copy.config), cache=cache)
        assert report.in_place and 0 < report.rendered < report.pages / 10, report.summary()
        assert_same_as_full_build(seed_copy)


def test_a_corrected_title_re_renders_its_page_and_the_pages_that_show_it_only(seed_copy):
    edit(seed_copy, "seeds/000", "The relationship between computing systems", "How computing systems")
    result = seed_copy.build()
    assert 2 < rerendered(result) < 40, result.output
    assert_same_as_full_build(seed_copy)


def test_a_template_that_starts_to_read_a_new_field_re_renders_its_pages_when_it_changes(seed_copy):
    """The stale key that cannot happen: a day listing made to show each paper's source
    lines, then a dump edited so that only source lines move."""
    day = (REPO / "templates" / "day.html").read_text()
    seed_copy.write("templates/day.html", day.replace(
        "\n{% endblock %}", "{% for paper in papers %}<p class=where>{{ paper.sources | join(' ') }}</p>"
                            "{% endfor %}\n{% endblock %}"))
    seed_copy.build("--quiet")
    dump = next((seed_copy.root / "seeds").glob("000_*.txt"))
    dump.write_text("\n\n" + dump.read_text())  # every entry two lines further down
    seed_copy.build("--quiet")
    shown = next((seed_copy.output / "days").glob("*/index.html")).read_text()
    assert "class=where" in shown
    assert_same_as_full_build(seed_copy)


def test_a_page_key_counts_every_field_of_every_paper_in_its_view():
    import dataclasses
    import datetime as dt
    from sitegen.keys import PageKeys
    from sitegen.content.model import Paper

    paper = Paper("k", "slug", "Title", ["An abstract."], date=dt.date(2024, 5, 1),
                  capture_dates=[dt.date(2024, 5, 1)])
    other_values = {"key": "k2", "slug": "s2", "title": "T2", "abstract": ["Other."], "authors": 3,
                    "org_account": "a", "org_name": "A", "date": dt.date(2024, 5, 2),
                    "date_source": "published", "upvotes": 4, "topics": ["x"], "sources": ["a:1"],
                    "similar": ["s3"], "provenance": {"date": "a:2"},
                    "capture_dates": [dt.date(2024, 5, 1), "2024-05-02"], "arxiv_id": "2405.00001",
                    "author_names": ("Ada",), "links": {"pdf": "https://x/y.pdf"}, "comments": 2,
                    "submitted_by": "ada"}
    key = PageKeys("templates").key("t.html", {"papers": [paper]})
    for field in dataclasses.fields(Paper):
        changed = dataclasses.replace(paper, **{field.name: other_values[field.name]})
        assert PageKeys("templates").key("t.html", {"papers": [changed]}) != key, field.name
    assert PageKeys("templates").key("t.html", {"papers": [dataclasses.replace(paper)]}) == key
    assert PageKeys("other templates").key("t.html", {"papers": [paper]}) != key
    assert PageKeys("templates").key("t.html", {"papers": [paper], "f": lambda: 1}) is None  # unkeyable
    looped = dataclasses.replace(paper, provenance={})
    looped.provenance["itself"] = looped  # a dataclass that holds itself: no key, no traceback
    assert PageKeys("templates").key("t.html", {"papers": [looped]}) is None


def test_papers_json_made_in_a_worker_is_what_a_full_build_makes(seed_copy, monkeypatch):
    from sitegen import render_step

    monkeypatch.setattr(render_step, "PARALLEL_THRESHOLD", 1)  # papers.json renders in a forked worker
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    seed_copy.build("--quiet")
    monkeypatch.undo()
    edit(seed_copy, "seeds/001", "a", "A", )  # every record moves
    seed_copy.build("--quiet")
    assert_same_as_full_build(seed_copy)


def test_removed_dump_and_template_override_and_stylesheet(seed_copy):
    next((seed_copy.root / "seeds").glob("002_*.txt")).write_text("Mar 11\n")  # its papers are gone
    seed_copy.build("--quiet")
    assert_same_as_full_build(seed_copy)
    seed_copy.write("static/site.css", "body { color: teal }\n")
    result = seed_copy.build()
    assert rerendered(result) <= 3
    assert (seed_copy.output / "static/site.css").read_text() == "body { color: teal }\n"
    base = (REPO / "templates" / "base.html").read_text()
    seed_copy.write("templates/base.html", base.replace("<footer", "<!-- local -->\n<footer"))
    seed_copy.build("--quiet")
    assert "<!-- local -->" in seed_copy.page("index.html")
    assert_same_as_full_build(seed_copy)


def rendered_files(folder) -> int:
    """The files a build renders: all but static assets, the search job's files and the
    folder's marker."""
    return sum(1 for path in tree(folder) if not path.startswith("static/") and path != BUILD_MARKER
               and not (path.startswith("search/") and path != "search/index.html"))


def files_and_times(folder) -> dict[str, tuple[int, int]]:
    return {path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in folder.rglob("*") if path.is_file()}


def test_a_template_added_beside_an_override_replaces_the_themes_at_the_next_build(seed_copy):
    paper = (REPO / "templates" / "paper.html").read_text()
    seed_copy.write("templates/paper.html", paper.replace("</article>", "<!-- own paper -->\n</article>"))
    seed_copy.build("--quiet")
    assert "<!-- own paper -->" in seed_copy.page("papers/" + next(
        path.name for path in (seed_copy.output / "papers").iterdir()) + "/index.html")
    base = (REPO / "templates" / "base.html").read_text()
    seed_copy.write("templates/base.html", base.replace("<footer", "<!-- own base -->\n<footer"))
    seed_copy.build("--quiet")  # in this process: the template environment is the same
    assert "<!-- own base -->" in seed_copy.page("index.html")
    assert_same_as_full_build(seed_copy)


def test_hand_edited_output_is_noticed_and_rebuilt(seed_copy):
    (seed_copy.output / "index.html").write_text("scribbled")
    (seed_copy.output / "stray.html").write_text("stray")
    result = seed_copy.build()
    assert rerendered(result) == rendered_files(seed_copy.output)  # all: the record is not trusted
    assert not (seed_copy.output / "stray.html").exists()
    assert_same_as_full_build(seed_copy)


def test_build_without_cache_rewrites_only_the_files_that_differ(seed_copy):
    before = files_and_times(seed_copy.output)
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    result = seed_copy.build("--no-cache")
    assert rerendered(result) == rendered_files(seed_copy.output)
    after = files_and_times(seed_copy.output)
    rewritten = {path for path in after if after[path] != before.get(path)}
    assert "papers.json" in rewritten and "index.html" in rewritten
    dragon = sorted(path for path in rewritten if path.startswith("papers/the-dragon"))
    # the paper's page, under its new slug, and a redirect to it at its old one
    assert len(dragon) == 2 and "revised" in dragon[0]
    assert "This paper has moved" in (seed_copy.output / dragon[1]).read_text()
    untouched = [path for path in after if path.startswith("papers/") and path not in rewritten]
    assert len(untouched) > 150  # the other papers' pages were compared, not written
    assert "static/site.css" in after and after.keys() - rewritten
    assert_same_as_full_build(seed_copy)


def test_a_link_in_the_output_makes_a_build_without_cache_start_a_fresh_folder(seed_copy, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    papers = seed_copy.output / "papers"
    shutil.move(papers, elsewhere / "papers")
    papers.symlink_to(elsewhere / "papers", target_is_directory=True)
    outside = files_and_times(elsewhere)
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling (revised)")
    result = seed_copy.build("--no-cache")
    assert "pages written" in result.output  # a fresh folder swapped in
    assert files_and_times(elsewhere) == outside  # nothing written through the link
    assert not papers.is_symlink()
    assert_same_as_full_build(seed_copy)


def test_a_folder_left_where_a_file_now_goes_makes_way_for_it(seed_copy):
    feed = seed_copy.output / "feed.xml"
    feed.unlink()
    (feed / "old-layout").mkdir(parents=True)
    (feed / "old-layout" / "index.html").write_text("from an older layout")
    (feed / "empty" / "deeper").mkdir(parents=True)  # holds no file: in no listing
    seed_copy.build("--no-cache", "--quiet")
    assert feed.is_file()
    assert_same_as_full_build(seed_copy)


def test_failed_build_without_cache_leaves_the_site_as_it_was(seed_copy):
    before = tree(seed_copy.output)
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling Redux")
    seed_copy.write("templates/day.html", "{% extends 'base.html' %}{% block content %}{{ nope.deeper }}{% endblock %}")
    result = seed_copy.run("build", "--no-cache")
    assert result.exit_code == 1 and "day.html" in result.output
    assert tree(seed_copy.output) == before


def test_failed_rebuild_leaves_the_site_and_the_next_rebuild_is_right(seed_copy):
    before = tree(seed_copy.output)
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling Redux")
    seed_copy.write("templates/paper.html", "{% extends 'base.html' %}{% block content %}{{ paper.nope.deeper }}{% endblock %}")
    result = seed_copy.run("build")
    assert result.exit_code == 1 and "paper.html" in result.output
    assert tree(seed_copy.output) == before
    (seed_copy.root / "templates" / "paper.html").unlink()
    seed_copy.build("--quiet")
    assert_same_as_full_build(seed_copy)


def two_dumps(site: Site) -> None:
    site.write("dumps/a.txt", full_dump(("Spiking Cells in June", ABSTRACT, "• 2 authors", "Jun 2, 2025")))
    site.write("dumps/b.txt", full_dump(("Spiking Cells in May", ABSTRACT, "• 2 authors", "May 1, 2025")))
    site.build("--quiet")


def sighted_again(site: Site) -> None:
    """The May paper seen in one more dump: only its list of sources changes."""
    site.write("dumps/c.txt", full_dump(("Spiking Cells in May", ABSTRACT, "• 2 authors", "May 1, 2025")))


def test_listings_are_left_as_they_are_when_a_field_they_do_not_show_changes(site):
    two_dumps(site)
    listing = site.output / "days/2025-05-01/index.html"
    before = listing.stat().st_mtime_ns
    sighted_again(site)
    site.build("--quiet")
    assert "dumps/c.txt" in site.page("papers/spiking-cells-in-may/index.html")
    assert listing.stat().st_mtime_ns == before  # the day page does not show sources
    assert_same_as_full_build(site)


def test_slicing_a_list_in_a_template_does_not_make_it_depend_on_every_field(site):
    two_dumps(site)
    home = site.output / "index.html"  # it shows `papers[:papers_per_day]`
    before = home.stat().st_mtime_ns
    dump = site.root / "dumps/b.txt"
    dump.write_text("\n" + dump.read_text())  # the May paper's source line moves down
    site.build("--quiet")
    assert "dumps/b.txt:14" in site.page("papers/spiking-cells-in-may/index.html")
    assert home.stat().st_mtime_ns == before
    assert_same_as_full_build(site)


@pytest.mark.parametrize("shows_sources", [
    "{% for paper in papers %}{{ paper.sources | join(' ') }}{% endfor %}",
    "{% for paper in papers %}{{ paper['sour' ~ 'ces'] }}{% endfor %}",  # folded to 'sources'
    "{% for paper in papers %}{{ paper[('sour', 'ces') | join(page_path[:0])] }}{% endfor %}",
])
def test_a_template_that_shows_a_field_depends_on_it(site, shows_sources):
    site.write("templates/day.html", shows_sources)
    two_dumps(site)
    sighted_again(site)
    site.build("--quiet")
    assert "dumps/c.txt" in site.page("days/2025-05-01/index.html")
    assert_same_as_full_build(site)


def test_a_page_depends_on_what_its_json_ld_reads_even_if_the_template_shows_none_of_it(site):
    site.write("templates/paper.html", "{{ scholarly_article | tojson_script }}")
    two_dumps(site)
    dump = site.root / "dumps/b.txt"
    dump.write_text(dump.read_text().replace("May 1, 2025", "May 3, 2025"))
    site.build("--quiet")
    assert '"datePublished":"2025-05-03"' in site.page("papers/spiking-cells-in-may/index.html")
    assert_same_as_full_build(site)


def test_only_serves_private_output_is_trusted_without_a_file_by_file_check(tmp_path):
    from sitegen.cache import BuildCache, FileRecord, OutputRecord

    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("built")
    stat = (folder / "index.html").stat()
    cache = BuildCache(output=OutputRecord(folder.resolve(), {
        "index.html": FileRecord("key", stat.st_size, stat.st_mtime_ns)}))
    assert cache.trusted_output(folder) is cache.output
    (folder / "index.html").write_text("scribbled by hand")
    assert cache.trusted_output(folder) is None
    assert cache.trusted_output(folder, private=True) is cache.output
    assert cache.trusted_output(tmp_path / "elsewhere", private=True) is None


def test_a_rebuild_reports_its_new_index_size(seed_copy):
    from sitegen.build import build
    from sitegen.cache import BuildCache
    from sitegen.config import load_config
    config = load_config(seed_copy.config)
    index = config.output / "search" / "lunr.json"
    cache = BuildCache()
    first = build(config, cache=cache)
    assert first.index_bytes == index.stat().st_size
    assert f"search index {first.index_bytes / 1e6:.1f} MB (loaded in parts)" in first.summary()
    edit(seed_copy, "seeds/000", "The Dragon Hatchling", "The Dragon Hatchling, revised at length")
    edited = build(config, cache=cache)
    assert edited.index_bytes == index.stat().st_size != first.index_bytes


def test_the_summary_counts_only_the_files_that_really_changed(seed_copy):
    """Rendered afresh over an output that holds just what it renders, nothing is written
    (the search index and static files included), and the summary says so."""
    again = seed_copy.build("--no-cache")
    assert re.search(r"\(\d+ files re-rendered, 0 changed, 0 removed\)", again.output), again.output
    stylesheet = seed_copy.output / "static" / "site.css"
    stylesheet.write_text(stylesheet.read_text() + "\n/* edited in the output */\n")
    mended = seed_copy.build("--no-cache")
    assert re.search(r"re-rendered, 1 changed, 0 removed\)", mended.output), mended.output
    assert "edited in the output" not in stylesheet.read_text()


def test_a_cache_is_made_void_by_a_change_to_any_of_sitegens_code_the_content_package_included(monkeypatch):
    from pathlib import Path

    from sitegen import cache

    read = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or original(path))
    cache._code_fingerprint()
    package = Path(cache.__file__).parent
    assert {path.relative_to(package).as_posix() for path in read} >= {
        "build.py", "content/model.py", "content/similar.py", "content/topics.py"}
