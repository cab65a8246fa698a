"""Search: the prebuilt index is lunr's own format and ranking, split parts rank alike,
and the header box and search page work in a real browser (sub-path and file://)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tarfile

import lunr
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunr.index import Index

from conftest import REPO
from helpers import ABSTRACT, full_dump
from sitegen.site.search import FIELDS

VENDORED = REPO / "static" / "vendor" / "lunr-2.3.9"
PUBLISHED_INTEGRITY = ("sha512-zTU3DaZaF3Rt9rhN3uBMGQD3dD2/vFQqnvZCDv4dl5iOzq2IZQqTxu90r4E5J+nP70"
                       "J3ilqVCrbho2eWaeW8Ow==")
QUERIES = ["dragon hatchling", "spiking neural networks", "fMRI decoding", "sparse autoencoders",
           "interpret*", "title:brain", "plasticity hebbian", "vision transformer", "+dendrites",
           "2024", "sakana"]


def lunr_py_search(index_json: dict, query: str, count: int = 10) -> list[tuple[str, float]]:
    index = Index.load(index_json)
    return [(r["ref"], round(r["score"], 6)) for r in index.search(query)[:count]]


def test_index_is_exactly_what_lunr_py_builds(seed_site):
    papers = json.loads((seed_site.output / "papers.json").read_text())
    built = json.loads((seed_site.output / "search/lunr.json").read_text())
    assert {ref.split("/", 1)[1] for ref, _ in built["fieldVectors"]} == {p["id"] for p in papers}
    from sitegen.build import load_digest
    from sitegen.config import load_config
    from sitegen.site.pages import topic_names
    from sitegen.site.search import search_document
    digest = load_digest(load_config(seed_site.config))
    ids = {p["slug"]: p["id"] for p in papers}
    documents = [search_document(p, topic_names(digest), ids[p.slug]) for p in digest.papers]
    reference = lunr.lunr(ref="ref", fields=[dict(field_name=n, boost=b) for n, b in FIELDS],
                          documents=documents).serialize()
    assert json.loads(json.dumps(reference)) == built


def lunr_js_search(index_path, queries: list[str], tmp_path, count: int | None = None) -> dict:
    """query -> [[ref, score rounded to 6 places], ...] from lunr.js 2.3.9 in Node, which
    loads the index at `index_path` whole with lunr.Index.load()."""
    script = tmp_path / "search.js"
    script.write_text(f"""
      const lunr = require({json.dumps(str(VENDORED / 'lunr.min.js'))});
      const fs = require('fs');
      const index = lunr.Index.load(JSON.parse(fs.readFileSync({json.dumps(str(index_path))}, 'utf8')));
      const out = {{}};
      for (const q of {json.dumps(queries)})
        out[q] = index.search(q).slice(0, {json.dumps(count)} || undefined)
          .map(r => [r.ref, Math.round(r.score * 1e6) / 1e6]);
      console.log(JSON.stringify(out));
    """)
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_whole_index_in_node_finds_what_it_found_when_its_refs_were_slugs(seed_site, tmp_path):
    """The golden results were recorded with slugs as refs (tests/data/search-golden.json):
    with short ids, mapped back through papers.json, every query finds the same papers,
    in the same order (ties included), with the same scores."""
    golden = json.loads((REPO / "tests/data/search-golden.json").read_text())["results"]
    papers = json.loads((seed_site.output / "papers.json").read_text())
    slug_of = {paper["id"]: paper["slug"] for paper in papers}
    assert len(slug_of) == len(papers) and all(len(paper["id"]) == 7 for paper in papers)
    found = lunr_js_search(seed_site.output / "search/lunr.json", list(golden), tmp_path)
    for query, expected in golden.items():
        assert [[slug_of[ref], score] for ref, score in found[query]] == expected, query
    assert sum(len(results) for results in golden.values()) > 1000


def test_lunr_js_in_node_ranks_like_lunr_py(seed_site, tmp_path):
    index_path = seed_site.output / "search/lunr.json"
    script = tmp_path / "search.js"
    script.write_text(f"""
      const lunr = require({json.dumps(str(VENDORED / 'lunr.min.js'))});
      const fs = require('fs');
      const index = lunr.Index.load(JSON.parse(fs.readFileSync({json.dumps(str(index_path))}, 'utf8')));
      const queries = {json.dumps(QUERIES)};
      const out = {{}};
      for (const q of queries) out[q] = index.search(q).slice(0, 10).map(r => [r.ref, Math.round(r.score * 1e6) / 1e6]);
      console.log(JSON.stringify(out));
    """)
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    from_js = json.loads(result.stdout)
    index_json = json.loads(index_path.read_text())
    for query in QUERIES:
        expected = lunr_py_search(index_json, query)
        assert [ref for ref, _ in from_js[query]] == [ref for ref, _ in expected], query
        assert from_js[query], query
    papers = {paper["id"]: paper for paper in json.loads((seed_site.output / "papers.json").read_text())}
    assert papers[from_js["dragon hatchling"][0][0]]["slug"].startswith("the-dragon-hatchling")


def test_vendored_lunr_is_the_npm_package_checked_against_its_integrity(tmp_path):
    published = subprocess.run(["npm", "view", "lunr@2.3.9", "dist.integrity"], capture_output=True,
                               text=True, timeout=120).stdout.strip()
    assert published == PUBLISHED_INTEGRITY
    subprocess.run(["npm", "pack", "lunr@2.3.9", "--silent"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=120)
    tarball = tmp_path / "lunr-2.3.9.tgz"
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert f"sha512-{digest}" == PUBLISHED_INTEGRITY
    with tarfile.open(tarball) as archive:
        for name in ("lunr.min.js", "LICENSE"):
            assert archive.extractfile(f"package/{name}").read() == (VENDORED / name).read_bytes()


# --- in the browser ---------------------------------------------------------------

def type_and_wait(page, text: str):
    page.fill("#site-search-box", text)
    page.wait_for_selector(".search-dropdown:not([hidden]) .search-more")


@pytest.mark.browser
def test_header_search_under_a_sub_path_finds_and_opens_the_paper(static_server, page):
    origin = static_server
    page.goto(f"{origin}/digest/")
    before = len(page.requests)
    page.wait_for_timeout(200)
    assert not any("/search/" in url for url in page.requests), "index loaded before focus"
    type_and_wait(page, "dragon hatchling")
    first = page.locator(".search-dropdown .result-title").first
    assert first.inner_text().startswith("The Dragon Hatchling")
    assert page.locator(".search-dropdown mark").count() >= 1
    assert any(w.url.endswith("/digest/static/search-worker.js") for w in page.workers)  # off the main thread
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/digest/papers/the-dragon-hatchling*/")
    assert page.locator("h1").inner_text().startswith("The Dragon Hatchling")
    assert len(page.requests) > before
    assert all(url.startswith(origin + "/digest/") for url in page.requests), page.requests
    assert page.errors == []


@pytest.mark.browser
def test_typing_loads_the_querys_index_parts_before_the_pause_that_runs_the_search(static_server, page):
    page.goto(f"{static_server}/digest/")
    page.focus("#site-search-box")
    page.evaluate("window.sitegenSearchRun('')")  # the engine is ready; no part loaded yet
    assert not any("/search/parts/" in url for url in page.requests)
    page.evaluate("""() => {  // typed, then erased before the pause ran the search
        const box = document.getElementById('site-search-box');
        box.value = 'dragon hatchling'; box.dispatchEvent(new Event('input'));
        box.value = ''; box.dispatchEvent(new Event('input'));
    }""")
    page.wait_for_timeout(500)
    readied = [url for url in page.requests if "/search/parts/" in url]
    assert readied, "no part loaded while typing"
    assert page.locator(".search-dropdown .search-result").count() == 0  # no search ran
    type_and_wait(page, "dragon hatchling")
    assert page.locator(".search-dropdown .result-title").first.inner_text().startswith("The Dragon Hatchling")
    parts = [url for url in page.requests if "/search/parts/" in url]
    assert sorted(parts) == sorted(set(parts)) == sorted(readied), "a part was fetched twice"
    assert page.errors == []


def test_a_search_supersedes_what_the_keystrokes_before_it_were_readying(seed_site, tmp_path):
    """In the worker (lunr.js in Node, the parts read from the seed digest): the reader
    typed "dragon" with a topic chosen, then cleared the topic and searched.  The
    keystroke's parts arrive after the search is done; the index they would make is not
    made, as it would push the search's own out."""
    script = tmp_path / "race.js"
    script.write_text(f"""
      const fs = require('fs'), vm = require('vm');
      global.self = global;
      global.lunr = require({json.dumps(str(VENDORED / 'lunr.min.js'))});
      global.importScripts = () => {{}};  // a worker's: lunr.js is loaded already
      global.sitegenSearchRoot = {json.dumps(str(seed_site.output) + '/')};
      let slow = false, loads = 0;
      global.fetch = (url) => new Promise(resolve => setTimeout(() => resolve(
        {{ ok: true, text: () => Promise.resolve(fs.readFileSync(url, 'utf8')) }}), slow ? 300 : 0));
      vm.runInThisContext(fs.readFileSync({json.dumps(str(REPO / 'static/search-core.js'))}, 'utf8'));
      const load = lunr.Index.load;
      lunr.Index.load = (data) => {{ loads++; return load(data); }};
      const core = self.sitegenSearchCore;
      (async () => {{
        await core.manifest();  // (its warm-up made indexes of its own)
        const before = loads;
        slow = true;
        core.prepare('dragon', {{ topic: 'spiking' }});
        await new Promise(resolve => setTimeout(resolve, 10));
        const found = await core.search('dragon', {{}});
        const afterSearch = loads - before;
        await new Promise(resolve => setTimeout(resolve, 600));
        console.log(JSON.stringify([found.results.length, afterSearch, loads - before]));
      }})();
    """)
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    results, after_search, in_all = json.loads(result.stdout)
    assert results > 0 and after_search == 1
    assert in_all == 1, "a superseded keystroke made an index after the search"


@pytest.mark.browser
def test_split_index_ranks_like_the_whole_index(static_server, page, subpath_site):
    index_json = json.loads((subpath_site.output / "search/lunr.json").read_text())
    slug_of = {p["id"]: p["slug"] for p in json.loads((subpath_site.output / "papers.json").read_text())}
    page.goto(f"{static_server}/digest/search/")
    parts = len(list((subpath_site.output / "search/parts").glob("*.js")))
    for number, query in enumerate(QUERIES):
        found = page.evaluate("""q => window.sitegenSearchRun(q).then(r => {
            const top = r.results.slice(0, 10);
            return window.sitegenSearchDetails(top.map(x => x.ref), []).then(docs =>
              docs.map((d, i) => [d.slug, Math.round(top[i].score * 1e6) / 1e6]));
          })""", query)
        assert found == [[slug_of[ref], score] for ref, score in lunr_py_search(index_json, query)], query
        if number == 0:  # only the parts the first query needed
            assert 0 < len({url for url in page.requests if "/search/parts/" in url}) < parts / 2
    assert page.errors == []


@pytest.mark.browser
def test_shared_search_link_shows_filtered_results(static_server, page):
    page.goto(f"{static_server}/digest/search/?q=neuro*&topic=spiking")
    page.wait_for_selector(".search-results .search-result")
    assert "papers found" in page.locator(".search-status").inner_text()
    assert page.locator("select[name=topic]").input_value() == "spiking"
    titles = page.locator(".search-results .result-title").all_inner_texts()
    assert titles and len(titles) <= 19
    page.fill("#search-page-box", "zzqqxxnotaword")
    page.wait_for_function("document.querySelector('.search-status').textContent.startsWith('No papers match')")
    assert "zzqqxxnotaword" in page.url
    assert page.errors == []


@pytest.mark.browser
def test_hostile_queries_raise_no_page_error(static_server, page):
    page.goto(f"{static_server}/digest/")
    for query in ["title:", "*", "~", '"unbalanced', "foo~~2", "+", "-", "^3", "title:*brain", "a:b:c",
                  "<script>alert(1)</script>", "neuro* -spiking +vision"]:
        type_and_wait(page, query)
    page.keyboard.press("Escape")
    assert page.locator(".search-dropdown").is_hidden()
    assert page.errors == []
    assert all(url.startswith(static_server) for url in page.requests)


@pytest.mark.browser
def test_slash_focuses_the_search_box(static_server, page):
    page.goto(f"{static_server}/digest/topics/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-box"


@pytest.mark.browser
def test_search_works_from_disk(seed_site, page):
    page.goto((seed_site.output / "index.html").as_uri())
    type_and_wait(page, "dragon hatchling")
    assert page.locator(".search-dropdown .result-title").first.inner_text().startswith("The Dragon")
    page.locator(".search-dropdown .result-title").first.click()
    page.wait_for_url("**/papers/the-dragon-hatchling*/index.html")
    page.goto((seed_site.output / "search" / "index.html").as_uri() + "?q=spiking")
    page.wait_for_selector(".search-results .search-result")
    assert page.errors == []
    assert all(url.startswith("file://") for url in page.requests)


@pytest.mark.browser
def test_from_disk_a_part_that_is_not_one_fails_the_search_and_is_tried_again(seed_site, tmp_path, page):
    import bisect
    import shutil
    copy = tmp_path / "site"
    shutil.copytree(seed_site.output, copy)
    manifest = (copy / "search" / "manifest.js").read_text(encoding="utf-8")
    starts = json.loads(manifest[manifest.index("(") + 1:manifest.rindex(")")])["parts"]
    number = bisect.bisect_right(starts, "dragon") - 1  # the part "dragon" is in
    part = copy / "search" / "parts" / f"{number}.js"
    whole = part.read_text(encoding="utf-8")
    part.write_text("/* not a part */\n", encoding="utf-8")
    page.goto((copy / "index.html").as_uri())
    search = """Promise.race([window.sitegenSearchRun('dragon').then(r => [r.results.length, r.error || '']),
                              new Promise(resolve => setTimeout(() => resolve([-1, 'still waiting']), 5000))])"""
    failed = page.evaluate(search)
    assert failed[0] == 0 and f"could not load search/parts/{number}.js" in failed[1]  # not waiting for ever
    part.write_text(whole, encoding="utf-8")
    again = page.evaluate(search)
    assert again[0] > 0 and again[1] == ""
    assert page.evaluate(f"document.querySelectorAll('script[src$=\"parts/{number}.js\"]').length") == 1


@pytest.mark.browser
def test_hostile_titles_stay_escaped_in_results(site, page):
    # A line with markup is no title (see test_captures); what a title may hold is escaped.
    hostile = 'Spiking x < y & "z" > w {{ 7*7 }}'
    site.write("dumps/a.txt", full_dump((hostile, '<img src=x onerror="window.pwned=1"> <b>bold</b> '
                                         "<script>window.pwned=2</script> " + ABSTRACT,
                                         "• 2 authors", "Jun 1, 2024")))
    site.build()
    page.goto((site.output / "search" / "index.html").as_uri() + "?q=spiking")
    page.wait_for_selector(".search-results .search-result")
    assert page.locator(".search-results .result-title").first.inner_text() == hostile
    assert page.locator(".search-results img, .search-results b, .search-results script").count() == 0
    assert page.evaluate("window.pwned === undefined")
    assert page.errors == []


def test_index_terms_come_in_javascripts_order_even_past_the_basic_plane(site, tmp_path):
    """lunr.js loads terms in its own sort order, by UTF-16 code units, where a character
    past U+FFFF (a surrogate pair) comes before U+FF46; Python's order is the other way."""
    site.write("dumps/a.txt", full_dump(("Spiking x\U0001d538y cells", ABSTRACT, "• 2 authors", "Jun 1, 2024"),
                                        ("Spiking x\uff46y cells", ABSTRACT, "• 2 authors", "Jun 2, 2024")))
    site.build()
    index_path = site.output / "search/lunr.json"
    terms = [term for term, _ in json.loads(index_path.read_text())["invertedIndex"]]
    astral = next(term for term in terms if "\U0001d538" in term)
    wide = next(term for term in terms if "\uff46" in term)
    assert terms == sorted(terms, key=lambda term: term.encode("utf-16-be"))
    assert terms.index(astral) < terms.index(wide)
    script = tmp_path / "load.js"
    script.write_text(f"""
      const lunr = require({json.dumps(str(VENDORED / 'lunr.min.js'))});
      const index = lunr.Index.load(JSON.parse(require('fs').readFileSync({json.dumps(str(index_path))}, 'utf8')));
      console.log(index.search('spiking').length);
    """)
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "2", result.stderr


@given(st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), max_size=50),
       st.lists(st.integers(min_value=0, max_value=500_000), max_size=50))
def test_scores_round_like_pythons_round_even_next_to_ties(values, thousandths):
    import numpy as np
    from sitegen.site.search import _thousandths
    ties = [(n + 0.5) / 1000 for n in thousandths]  # exact and inexact halves
    scores = np.array(values + ties, dtype=np.float64)
    assert [k / 1000 for k in _thousandths(scores).tolist()] == [round(v, 3) for v in scores.tolist()]


CONTROL_CHARACTERS = [chr(code) for code in range(1, 9)] + [chr(code) for code in range(14, 28)]


def test_texts_holding_control_characters_are_indexed_as_lunr_py_does():
    from sitegen.site.search import collect, whole_index_pieces
    documents = [{"ref": f"papers/p{n}", "title": f"Spiking {n}-cell net{CONTROL_CHARACTERS[n % 3]}works",
                  "abstract": f"{ABSTRACT} {'x'.join(CONTROL_CHARACTERS) if n == 1 else ''}", "topics": "",
                  "organization": "", "year": "2024", "facets": "y_2024"} for n in range(4)]
    reference = lunr.lunr(ref="ref", fields=[dict(field_name=n, boost=b) for n, b in FIELDS],
                          documents=documents).serialize()
    assert json.loads("".join(whole_index_pieces(collect(documents)[0]))) == json.loads(json.dumps(reference))


def test_str_split_splits_where_lunrs_separator_does():
    r"""lunr.js splits on /[\s\-]+/: so does str.split() once hyphens are spaces."""
    import re
    separator = re.compile(r"[\s\-]+")
    differ = [c for c in map(chr, range(0x110000)) if bool(separator.fullmatch(c)) != (c.isspace() or c == "-")]
    assert differ == []


def test_an_index_built_from_the_last_builds_tokens_equals_one_built_afresh(seed_site):
    import dataclasses
    from unittest import mock
    from sitegen.site import search, search_files
    from sitegen.build import load_digest
    from sitegen.config import load_config
    from sitegen.site.pages import topic_names

    digest = load_digest(load_config(seed_site.config))
    names = topic_names(digest)
    tokenised, _ = search_files.search_files(digest, names)
    first, second = digest.papers[:2]
    digest.papers[0] = dataclasses.replace(first, title=first.title + " revisited hebbian")
    digest.papers[1:2] = []  # a paper gone
    digest.papers.append(dataclasses.replace(second, slug="a-new-paper", title="Zebra finch song"))

    tokenised_documents = []
    tokenise = search._tokenise
    def counting(documents, *args):
        tokenised_documents.extend(document["ref"] for document in documents)
        return tokenise(documents, *args)
    with mock.patch.object(search, "_tokenise", counting):
        _, from_last = search_files.search_files(digest, names, tokenised)
        from_last = {file.path: "".join(file.pieces()) for file in from_last}
    from sitegen.ids import paper_ids
    assert sorted(tokenised_documents) == sorted(paper_ids([first.slug, "a-new-paper"]).values())
    _, afresh = search_files.search_files(digest, names)
    assert from_last == {file.path: "".join(file.pieces()) for file in afresh}


def test_search_fingerprint_changes_with_every_field_the_index_shows(seed_site):
    import dataclasses
    import datetime as dt

    from sitegen.build import read_digest
    from sitegen.config import load_config
    from sitegen.site.pages import topic_names
    from sitegen.site.search_files import search_fingerprint

    def fingerprint(**changes):
        digest = read_digest(load_config(seed_site.config))
        digest.papers[3] = dataclasses.replace(digest.papers[3], **changes)
        return search_fingerprint(digest, topic_names(digest))

    unchanged = fingerprint()
    assert fingerprint() == unchanged  # a fresh model of the same dumps: same files
    assert fingerprint(upvotes=12345) == unchanged  # not in the index
    changes = dict(slug="another-slug", title="Another title", abstract=["Another abstract."],
                   date=dt.date(1999, 1, 2), topics=[], org_name="Org", org_account="org")
    for name, value in changes.items():
        assert fingerprint(**{name: value}) != unchanged, name
    assert fingerprint(date=None) != unchanged


def test_the_search_job_writes_nothing_when_its_inputs_are_those_of_the_output(seed_site, tmp_path):
    from sitegen.build import read_digest
    from sitegen.config import load_config
    from sitegen.site.pages import topic_names
    from sitegen.search_job import SearchJob

    digest = read_digest(load_config(seed_site.config))
    first = SearchJob(digest, topic_names(digest)).run(tmp_path / "first")
    assert (tmp_path / "first" / "search" / "docs").is_dir() and first.search_keys
    again = SearchJob(digest, topic_names(digest), previous_key=first.search_key).run(tmp_path / "again")
    assert again.search_key == first.search_key and not again.search_keys
    assert not (tmp_path / "again").exists()


def test_document_chunks_are_cut_where_the_ids_say_and_never_past_their_cap():
    from sitegen.ids import paper_ids
    from sitegen.site.search_files import DOCS_PER_CHUNK, document_chunks
    slugs = list(paper_ids([f"paper-{n}" for n in range(3000)]).values())
    chunks = document_chunks(slugs)
    starts = [start for start, _ in chunks]
    sizes = [end - start for start, end in zip(starts, [*starts[1:], len(slugs)])]
    assert starts[0] == 0 and len({name for _, name in chunks}) == len(chunks)
    assert DOCS_PER_CHUNK / 2 <= min(sizes[:-1]) and max(sizes) <= 1.5 * DOCS_PER_CHUNK
    assert 0.8 * DOCS_PER_CHUNK < len(slugs) / len(chunks) < 1.2 * DOCS_PER_CHUNK
    names = {name for _, name in chunks}
    for changed in (["paper-new", *slugs], slugs[:1500] + slugs[1501:], [*slugs[:10], "paper-x", *slugs[11:]]):
        assert len(names - {name for _, name in document_chunks(changed)}) <= 2


def test_documents_tokenised_in_batches_index_as_they_do_at_once(seed_site, monkeypatch):
    """Large digests are tokenised a batch at a time (memory); the index is the same."""
    from sitegen.site import search
    from sitegen.site.search import collect, whole_index_pieces
    from sitegen.build import load_digest
    from sitegen.config import load_config
    from sitegen.site.pages import topic_names
    digest = load_digest(load_config(seed_site.config))
    documents = search.documents_of(digest, topic_names(digest))
    at_once = "".join(whole_index_pieces(collect(documents)[0]))
    monkeypatch.setattr(search, "TOKENISE_BATCH", 7)
    assert "".join(whole_index_pieces(collect(documents)[0])) == at_once
    reference = lunr.lunr(ref="ref", fields=[dict(field_name=n, boost=b) for n, b in FIELDS],
                          documents=documents).serialize()
    assert json.loads(at_once) == json.loads(json.dumps(reference))


def test_an_index_with_more_than_65536_term_field_groups_is_what_lunr_py_builds():
    """Postings are grouped by (term, field): past 65,536 groups (10,923 terms in six
    fields) no 16-bit number tells them apart."""
    import random
    from sitegen.site.search import collect, whole_index_pieces
    from sitegen.site.search_files import _parts
    letters = "bcdfghjklmnpqrstvwxz"
    words = sorted({"".join(random.Random(n).choices(letters, k=7)) for n in range(12_000)})
    shuffled = random.Random(1).sample(words, len(words))
    documents = [{"ref": f"p{n}", "title": " ".join(shuffled[n::40][:5]), "abstract": " ".join(shuffled[n::40]),
                  "topics": "", "organization": "", "year": "2024", "facets": "y_2024"} for n in range(40)]
    collected = collect(documents)[0]
    assert len(collected.terms) * len(FIELDS) > 65_536
    reference = lunr.lunr(ref="ref", fields=[dict(field_name=n, boost=b) for n, b in FIELDS],
                          documents=documents).serialize()
    assert json.loads("".join(whole_index_pieces(collected))) == json.loads(json.dumps(reference))
    starts, parts = _parts(collected)
    assert [json.loads(part)[0][0] for part in parts] == starts
