"""Real captures of listings, in every shape people save them, parsed right or refused.

The three files in tests/captures/ are other people's captures of real pages, with
expected.json saying what each really holds; the small cases below pin each rule.
"""

from __future__ import annotations

import json
import quopri
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ABSTRACT
from sitegen.content.dumps import PartialDate, detect_shape, parse_dump, parse_dump_bytes

CAPTURES = Path(__file__).parent / "captures"
EXPECTED = json.loads((CAPTURES / "expected.json").read_text(encoding="utf-8"))
URL = "https://huggingface.co/papers"


def one(text: str, path: str = "c.md", shape: str | None = None):
    dump = parse_dump(text, path, shape)
    assert not [d for d in dump.diagnostics if d.level == "error"], dump.diagnostics
    return dump


# --- the real captures, end to end -------------------------------------------------------

@pytest.fixture(scope="module")
def captures_site(tmp_path_factory):
    from conftest import Site
    site = Site(tmp_path_factory.mktemp("captures"))
    sources = []
    for name in EXPECTED:
        site.write(name, (CAPTURES / name).read_bytes())
        sources.append(f"  - path: {name}")
    site.write("site.yaml", "title: Captures\nbase_url: https://example.org/caps/\nsources:\n"
               + "\n".join(sources) + "\n")
    site.build()
    return site


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_paper_of_a_real_capture_is_read_exactly(captures_site, name):
    papers = json.loads((captures_site.output / "papers.json").read_text(encoding="utf-8"))
    papers = papers["papers"] if isinstance(papers, dict) else papers
    mine = [p for p in papers if any(s.startswith(f"{name}:") for s in p["sources"])]
    assert len(mine) == len(EXPECTED[name])  # no other pages
    by_id = {p["arxiv_id"]: p for p in mine}
    for expected in EXPECTED[name]:
        paper = by_id[expected["arxiv_id"]]
        organization = paper["organization"]["name"] if paper["organization"] else None
        assert (paper["title"], paper["date"], paper["upvotes"], paper["authors"], organization) == (
            expected["title"], expected["date"], expected["upvotes"], expected["authors"],
            expected["organization"])
        assert paper["abstract"].startswith(expected["abstract_starts"])
        assert paper["author_names"] == expected.get("author_names", [])


def test_check_reports_each_capture_with_its_shape_counts_and_capture_date(captures_site):
    result = captures_site.run("check", "-v")
    assert result.exit_code == 0, result.output
    assert ("firecrawl-markdown-search.txt: markdown, 10 papers (10 with dates, 10 with upvotes, "
            "10 with ids), 0 skipped; captured 2026-10-02 (front matter `retrieved:`)") in result.output
    assert "api-daily-papers.json: json, 3 papers (3 with dates, 3 with upvotes, 3 with ids)" \
        in result.output
    assert "skipped notebooklm-text-search.txt:73: Intercode Bash" in result.output


# --- text and Markdown rules ---------------------------------------------------------------

def test_upvotes_come_before_the_title_in_every_spelling():
    text = (f"[101](https://huggingface.co/login?next=%2Fpapers%2F2606.00683)\n\n"
            f"### [First Paper Title](https://huggingface.co/papers/2606.00683)\n\n{ABSTRACT}\n\n"
            f"[-] 1\n\nSecond Paper Title\n\n{URL}/2606.00684\n\n{ABSTRACT}\n\n{URL}/2606.00684\n\n"
            f"[-] -\n\nThird Paper Title\n\n{URL}/2606.00685\n\n{ABSTRACT}\n")
    dump = one(text)
    assert [(e.title, e.upvotes, e.arxiv_id) for e in dump.entries] == [
        ("First Paper Title", 101, "2606.00683"), ("Second Paper Title", 1, "2606.00684"),
        ("Third Paper Title", 0, "2606.00685")]


def test_a_number_alone_is_the_upvote_count_of_the_card_below_it():
    text = f"12\nA Copied Paper Title\n{ABSTRACT}\n3 authors\n·\nMay 2\n4\n7\nAnother Title\n{ABSTRACT}\n"
    dump = one(text, "c.txt")
    assert [(e.title, e.upvotes, e.comments, e.date) for e in dump.entries] == [
        ("A Copied Paper Title", 12, 4, PartialDate(5, 2)), ("Another Title", 7, None, None)]


@pytest.mark.parametrize("line, date, comments, organisation", [
    (f"May 29[6]({URL}/2606.00683#community)", PartialDate(5, 29), 6, None),
    ("Mar 8, 2024 [ 6][39]", PartialDate(3, 8, 2024), 6, None),
    ("· Published on Oct 4, 2026", PartialDate(10, 4, 2026), None, None),
    ("Open Lab · Oct 4, 2026", PartialDate(10, 4, 2026), None, "Open Lab"),
])
def test_dates_with_extras(line, date, comments, organisation):
    text = (f"[3](https://huggingface.co/login?next=%2Fpapers%2F2606.00683)\n\n"
            f"### [A Dated Paper]({URL}/2606.00683)\n\n[{ABSTRACT}]({URL}/2606.00683)\n\n{line}\n\n"
            f"[39]: {URL}/2606.00683#community\n")
    entry = one(text).entries[0]
    assert (entry.date, entry.comments, entry.org_name) == (date, comments, organisation)


@pytest.mark.parametrize("authors_line", [
    f"[- 10 authors]({URL}/2606.00683)", "* 10 authors",
    f"[- ![](https://a.example/1.png)\\\\\n- ![](https://a.example/2.png)\\\\\n- 10 authors]({URL}/2606.00683)",
])
def test_author_counts_however_wrapped(authors_line):
    text = (f"### [A Paper]({URL}/2606.00683)\n\n[{ABSTRACT}]({URL}/2606.00683)\n\n{authors_line}\n\n"
            "·\n\nAug 30\n")
    assert one(text).entries[0].authors == 10


def test_reference_links_over_many_lines_in_a_lynx_style_capture():
    text = ("Captured (UTC): 2026-06-29T16:31:22+00:00\n\n```text\n* [ Models ][2]\nJun 29\n[\n65\n][35]\n\n"
            "### [Gemini 1.5: Unlocking multimodal understanding across millions of tokens of\n"
            "context][36]\n\n[\n\nIn this report, we present the latest model of the Gemini family,\n"
            "a highly compute-efficient multimodal model.\n\n][37]\n[\n* 671 authors\n][38]\n·\n"
            "Mar 8, 2024 [ 6][39]\n[\n-\n][40]\n\n### [Second][41]\n\n[\n\n" + ABSTRACT + "\n\n][42]\n"
            "[[microsoft] Microsoft][43]\n·\nMar 13\n```\n\nReferences\n\n[2]: https://huggingface.co/models\n"
            "[35]: https://huggingface.co/login?next=%2Fpapers%2F2403.05530\n"
            f"[36]: {URL}/2403.05530\n[37]: {URL}/2403.05530\n[38]: {URL}/2403.05530\n"
            f"[39]: {URL}/2403.05530#community\n[40]: https://huggingface.co/login?next=%2Fpapers%2F2601.1\n"
            f"[41]: {URL}/2601.18184\n[42]: {URL}/2601.18184\n[43]: https://huggingface.co/microsoft\n")
    dump = one(text)
    first, second = dump.entries
    assert first.title == "Gemini 1.5: Unlocking multimodal understanding across millions of tokens of context"
    assert first.abstract == ["In this report, we present the latest model of the Gemini family, a "
                              "highly compute-efficient multimodal model."]
    assert (first.upvotes, first.authors, first.date, first.comments, first.arxiv_id) == (
        65, 671, PartialDate(3, 8, 2024), 6, "2403.05530")
    assert (second.title, second.upvotes, second.org_account, second.org_name) == (
        "Second", 0, "microsoft", "Microsoft")
    assert dump.captured.isoformat() == "2026-06-29"


def test_a_hard_wrapped_abstract_is_one_abstract_and_a_wrapped_title_one_title():
    wrapped = ("We study how networks of spiking neurons learn and show that local\n"
               "plasticity rules suffice for a range of tasks, and we analyse why they\n"
               "work so well in practice across many settings and benchmarks.")
    dump = one(f"A Plain Title\n\n{wrapped}\n\n  • 2 authors\n·\nJun 12\n\nNext Title\n\n{ABSTRACT}\n", "w.txt")
    assert [len(e.abstract) for e in dump.entries] == [1, 1]
    assert dump.entries[0].abstract[0] == " ".join(wrapped.split())
    marked = one(f"[5](https://huggingface.co/login?next=%2Fpapers%2F2601.00001)\n\nA title that\nwraps\n\n{ABSTRACT}\n",
                 "t.md")
    assert marked.entries[0].title == "A title that wraps"


def test_rank_prefixes_escapes_and_front_matter_are_not_part_of_a_title():
    text = (f"---\ntitle: Daily Papers\nexported: 2026-07-28\n---\n\n# Daily Papers\n\n"
            f"### 3. [Shellcode\\_IA32: A \\*Dataset\\*]({URL}/2104.13100)\n\n{ABSTRACT}\n\n"
            f"Submitted by\n\nsomeone\n\n### [Next Paper]({URL}/2104.13101)\n\n" + ABSTRACT + "\n")
    dump = one(text)
    assert [e.title for e in dump.entries] == ["Shellcode_IA32: A *Dataset*", "Next Paper"]
    assert dump.entries[1].submitted_by == "someone"
    assert (dump.captured.isoformat(), dump.captured_from) == ("2026-07-28", "front matter `exported:`")


def test_chrome_lines_are_never_papers():
    chrome = ("Models\nDatasets\nPricing\nLog In\nnew\nGet trending papers in your email inbox!\n"
              "Subscribe\n# Daily Papers\nDaily\nWeekly\nMonthly\nhttps://huggingface.co/papers/trending\n")
    dump = one(chrome + f"\n### [Real Paper]({URL}/2601.00002)\n\n{ABSTRACT}\n")
    assert [e.title for e in dump.entries] == ["Real Paper"]


def test_an_abstract_in_chinese_counts_by_its_characters():
    chinese = "我们提出了一种新的脉冲神经网络训练方法，" * 6 + "实验表明该方法有效。"
    dump = one(f"一种脉冲神经网络的新方法\n{chinese}\n另一篇论文\n{chinese}\n", "zh.txt")
    assert [(e.title, bool(e.abstract)) for e in dump.entries] == [
        ("一种脉冲神经网络的新方法", True), ("另一篇论文", True)]


# --- HTML and JSON -------------------------------------------------------------------------

def test_saved_html_is_read_from_the_data_it_embeds():
    props = json.dumps({"dailyPapers": [{"paper": {
        "id": "2410.17243", "title": "Embedded <Title>", "summary": "An abstract\nwrapped.",
        "authors": [{"name": "Ada Lovelace"}], "publishedAt": "2024-10-22T17:59:30.000Z",
        "upvotes": 64}, "numComments": 3}]}).replace("&", "&amp;").replace('"', "&quot;")
    html = f'<!doctype html><html><body><div data-target="DailyPapers" data-props="{props}"></div></body></html>'
    dump = one(html, "page.html")
    entry = dump.entries[0]
    assert dump.shape == "html"
    assert (entry.title, entry.abstract, entry.author_names, entry.upvotes, entry.comments) == (
        "Embedded <Title>", ["An abstract wrapped."], ("Ada Lovelace",), 64, 3)


def test_saved_html_without_data_is_read_from_its_text():
    html = ("<!DOCTYPE html><html><head><title>Daily Papers</title><script>var x = 1;</script></head>"
            "<body><nav><a href='/models'>Models</a></nav><main>"
            "<a href='/login?next=%2Fpapers%2F2601.00003'>17</a>"
            f"<h3><a href='/papers/2601.00003'>An HTML Paper</a></h3><p><a href='/papers/2601.00003'>{ABSTRACT}</a></p>"
            "<ul><li>4 authors</li></ul><span>·</span><time>Jan 3, 2026</time></main></body></html>")
    entry = one(html, "page.html").entries[0]
    assert (entry.title, entry.upvotes, entry.authors, entry.date, entry.arxiv_id) == (
        "An HTML Paper", 17, 4, PartialDate(1, 3, 2026), "2601.00003")


def test_a_plain_json_list_of_papers_and_a_forced_shape():
    data = json.dumps([{"id": "2601.00004", "title": "Listed", "summary": ABSTRACT,
                        "githubRepo": "https://github.com/lab/code"}])
    entry = one(data, "list.json").entries[0]
    assert (entry.title, entry.links["code"], entry.arxiv_id) == (
        "Listed", "https://github.com/lab/code", "2601.00004")
    assert detect_shape("Title\n" + ABSTRACT) == "text"
    assert parse_dump("### Not a heading here\n" + ABSTRACT, "x.txt", "text").shape == "text"


def test_every_shape_site_yaml_may_force_is_one_the_parser_detects_and_reads():
    from sitegen.config import SHAPES
    captures = [path for path in sorted(CAPTURES.rglob("*")) if path.is_file() and path.name != "README.md"]
    read = {}
    for path in captures:
        text = path.read_text(encoding="utf-8", errors="replace")
        shape = detect_shape(text)
        if shape not in read:
            dump = parse_dump(text, path.name, shape)
            read[shape] = (dump.shape, bool(dump.entries))
    assert read == {shape: (shape, True) for shape in SHAPES}


# --- what is refused ------------------------------------------------------------------------

def test_a_junk_only_file_is_refused_with_its_name_and_first_lines():
    junk = "\n\n".join(f"[{n}](https://huggingface.co/login?next=%2Fpapers)\n\nhttps://example.org/{n}"
                       for n in range(30)) + "\n\n" + "\n\n".join(f"- item {n}" for n in range(30))
    dump = parse_dump(junk, "junk.md")
    errors = [str(d) for d in dump.diagnostics if d.level == "error"]
    assert dump.entries == [] and len(errors) == 1
    assert errors[0].startswith("junk.md:") and "read as markdown" in errors[0]


@pytest.mark.parametrize("name", ["README.md", "pyproject.toml", "sitegen/build.py"])
def test_a_file_that_is_not_a_listing_is_refused(name):
    path = Path(__file__).parent.parent / name
    dump = parse_dump_bytes(path.read_bytes(), name)
    errors = [str(d) for d in dump.diagnostics if d.level == "error"]
    assert errors and errors[0].startswith(f"{name}:") and "error: read as" in errors[0]


@pytest.mark.parametrize("name", ["digest-list.md", "blogpost.md"])
def test_a_readme_that_lists_or_discusses_papers_is_refused(name):
    dump = parse_dump_bytes((WRITTEN / "not-listings" / name).read_bytes(), name)
    errors = [str(d) for d in dump.diagnostics if d.level == "error"]
    assert errors and errors[0].startswith(f"{name}:") and "error: read as markdown" in errors[0]


def test_a_build_from_a_file_that_is_not_a_listing_fails_and_writes_nothing(site):
    site.write("notes.md", (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8"))
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources:\n  - path: notes.md\n")
    for command in ("build", "check"):
        result = site.run(command)
        assert result.exit_code == 1
        assert "notes.md:1: error: read as markdown" in result.output
    assert not site.output.exists()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["[12](https://huggingface.co/login?next=%2Fpapers%2F2601.1)", "### [T](u)", "·",
                     "[-] -", "https://huggingface.co/papers/2601.00001", "May 29[6](x#community)",
                     "* 3 authors", "![](img.png)", "[", "](x)", "<b>bold</b>", ABSTRACT, "---",
                     "[1]: https://huggingface.co/papers/2601.00002", "`code`", "Title: Colon"]),
    st.text(max_size=60)), max_size=40))
def test_no_title_ever_holds_markup_or_a_url(lines):
    dump = parse_dump("\n\n".join(lines), "fuzz.md", "markdown")
    for entry in dump.entries:
        assert "](" not in entry.title and "://" not in entry.title and "![" not in entry.title
        assert entry.title == entry.title.strip() and entry.title


# --- odd bytes ------------------------------------------------------------------------------

def test_utf16_captures_with_or_without_a_byte_order_mark_are_read():
    text = f"A UTF-16 Title\n{ABSTRACT}\n"
    for data in (text.encode("utf-16"), text.encode("utf-16-le")):
        assert [e.title for e in parse_dump_bytes(data, "u.txt").entries] == ["A UTF-16 Title"]


def test_invisible_characters_and_impossible_dates_do_not_make_papers():
    dump = one(f"Spik\u00ading Net\u200bworks \u202eNow\n{ABSTRACT}\nFeb 30\n{ABSTRACT}\n", "i.txt")
    assert [e.title for e in dump.entries] == ["Spiking Networks Now"]
    assert parse_dump(f"A Title\n{ABSTRACT}\n  • 2 authors\n·\nJan 1, 0000\n", "z.txt").entries[0].date is None


def test_a_huge_one_line_capture_is_refused_not_made_a_page():
    dump = parse_dump("x" * 2_000_000, "huge.txt")
    assert dump.entries == [] and any(d.level == "error" for d in dump.diagnostics)


# --- identity across shapes, and what the site shows ----------------------------------------

def test_a_known_arxiv_id_merges_a_text_sighting_with_the_json_and_keeps_namesakes_apart(site):
    api = json.loads((CAPTURES / "api-daily-papers.json").read_text(encoding="utf-8"))
    title = "Can Knowledge Editing Really Correct Hallucinations?"
    site.write("dumps/a.txt", f"{title}\n{ABSTRACT}\n")
    site.write("dumps/api.json", json.dumps(api))
    namesake = [{"id": "2601.00009", "title": "Breaking the Memory Barrier: Near Infinite Batch Size "
                 "Scaling for Contrastive Loss", "summary": ABSTRACT}]
    site.write("dumps/namesake.json", json.dumps(namesake))
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources:\n  - path: dumps/*\n")
    site.build()
    papers = json.loads((site.output / "papers.json").read_text(encoding="utf-8"))
    merged = [p for p in papers if p["title"] == title]
    assert len(merged) == 1 and merged[0]["arxiv_id"] == "2410.16251"
    assert sorted(s.split(":")[0] for s in merged[0]["sources"]) == ["dumps/a.txt", "dumps/api.json"]
    twins = sorted((p["arxiv_id"], p["url"]) for p in papers if p["title"].startswith("Breaking the Memory"))
    assert [arxiv for arxiv, _ in twins] == ["2410.17243", "2601.00009"]
    assert twins[0][1] != twins[1][1]
    assert twins[0][1] == "papers/breaking-the-memory-barrier-near-infinite-batch-size-scaling-for-282dfb9b/"


def test_every_permalink_of_the_seed_digest_is_unchanged(seed_site):
    papers = json.loads((seed_site.output / "papers.json").read_text(encoding="utf-8"))
    expected = (Path(__file__).parent / "data/seed-permalinks.txt").read_text().split()
    assert sorted(p["url"] for p in papers) == expected


def test_format_in_site_yaml_forces_a_shape_and_a_wrong_one_is_a_config_error(site):
    site.write("dumps/page.txt", f"A Title\n\n{ABSTRACT}\n")
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources:\n"
               "  - path: dumps/page.txt\n")
    assert "dumps/page.txt: text, 1 paper" in site.run("check").output
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources:\n"
               "  - path: dumps/page.txt\n    format: json\n")
    result = site.run("check")
    assert result.exit_code == 1 and "dumps/page.txt:1: error: not valid JSON" in result.output
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources:\n"
               "  - path: dumps/page.txt\n    format: pdf\n")
    result = site.run("check")
    assert result.exit_code == 2
    assert "site.yaml:5" in result.output and "'pdf' is not one of text, markdown, html, json" in result.output


@pytest.mark.browser
def test_a_paper_from_the_json_links_to_arxiv_and_its_pdf_and_names_its_authors(captures_site, page):
    papers = json.loads((captures_site.output / "papers.json").read_text(encoding="utf-8"))
    paper = next(p for p in papers if p["arxiv_id"] == "2410.17243")
    page.route("https://arxiv.org/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=f"<title>{route.request.url}</title>"))
    page.goto((captures_site.output / paper["url"] / "index.html").as_uri())
    authors = page.eval_on_selector_all('meta[name="citation_author"]', "els => els.map(e => e.content)")
    assert authors == paper["author_names"] and len(authors) == 9
    assert page.locator('meta[name="citation_arxiv_id"]').get_attribute("content") == "2410.17243"
    assert page.locator('meta[name="citation_pdf_url"]').get_attribute("content") == \
        "https://arxiv.org/pdf/2410.17243"
    ld = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert [a["name"] for a in ld["author"]] == authors and "https://arxiv.org/abs/2410.17243" in ld["sameAs"]
    for name, target in (("arXiv 2410.17243", "https://arxiv.org/abs/2410.17243"),
                         ("PDF", "https://arxiv.org/pdf/2410.17243")):
        page.get_by_role("link", name=name, exact=True).click()
        page.wait_for_url(target)
        assert page.title() == target
        page.go_back()
    assert page.errors == []


def test_a_paper_without_names_says_nothing_false_about_its_authors(captures_site):
    papers = json.loads((captures_site.output / "papers.json").read_text(encoding="utf-8"))
    paper = next(p for p in papers if p["arxiv_id"] == "2606.00683")
    html = (captures_site.output / paper["url"] / "index.html").read_text(encoding="utf-8")
    assert "citation_author" not in html and '"author"' not in html
    assert 'href="https://huggingface.co/papers/2606.00683"' in html


def test_a_trending_page_with_the_upvote_button_below_each_card_and_resource_links():
    card = ("Submitted by\n\n[图片：无替代文本]\n\nvvasilev\n\n\n<a id=\"source-section-3\"></a>\n\n"
            f"### [Kandinsky Video: Synchronized Video and Audio]({URL}/2610.05608)\n\n\n{ABSTRACT}\n\n\n"
            "[[图片：kandinskylab] Kandinsky Lab](https://huggingface.co/kandinskylab) · Published on Oct 4, 2026\n\n\n"
            "[Upvote\n\n117](https://huggingface.co/login?next=%2Fpapers%2F2610.05608)\n\n"
            "[GitHub 131](https://github.com/kandinskylab/kandinsky-6) [arXiv Page](https://arxiv.org/abs/2610.05608)\n\n\n"
            f"[[图片：无替代文本]]({URL}/2412.20138)\n\n"
            f"### [TradingAgents: Multi-Agents LLM Financial Trading Framework]({URL}/2412.20138)\n\n\n{ABSTRACT}\n\n\n"
            "-\n\n-\n\n- [图片：无替代文本]\n\n- 4 authors\n\n· Published on Dec 28, 2024\n\n\n"
            "[Upvote\n\n149](https://huggingface.co/login?next=%2Fpapers%2F2412.20138)\n\n"
            "[GitHub 110k](https://github.com/tauricresearch/tradingagents) [arXiv Page](https://arxiv.org/abs/2412.20138)\n")
    text = ("# Hugging Face - 2026 - Trending Papers\n\n- Source URL: https://huggingface.co/papers/trending\n"
            "- Extraction: `structured-html-v2` (headings, links)\n\n## Extracted Text\n\nnew\n\n\n"
            "Get trending papers in your email inbox once a day!\n\n# Trending Papers\n\n" + card)
    dump = one(text)
    first, second = dump.entries
    assert (first.title, first.upvotes, first.org_account, first.org_name, first.date, first.submitted_by) == (
        "Kandinsky Video: Synchronized Video and Audio", 117, "kandinskylab", "Kandinsky Lab",
        PartialDate(10, 4, 2026), "vvasilev")
    assert first.links["code"] == "https://github.com/kandinskylab/kandinsky-6"
    assert (second.upvotes, second.authors, second.date) == (149, 4, PartialDate(12, 28, 2024))


def test_a_listing_whose_titles_are_headings_without_links_and_whose_links_say_link():
    text = ("# What is it?\n**URL:** https://paperswithcode.com\n**Page Title:** Trending Papers - Hugging Face\n"
            "--------------------\n\nGet trending papers in your email inbox once a day!\n\n## Trending Papers\n\n"
            "### SmolDocling: An ultra-compact vision-language model for end-to-end\n  multi-modal document conversion\n\n"
            f"{ABSTRACT}\n- 8 authors\n[LINK: GitHub 50.8k](https://github.com/docling-project/docling)\n\n"
            f"### ShapeR: Robust Conditional 3D Shape Generation\n\n{ABSTRACT}\n"
            "[LINK: GitHub 476](https://github.com/facebookresearch/ShapeR)\n")
    dump = one(text)
    assert [(e.title, e.authors, e.links.get("code")) for e in dump.entries] == [
        ("SmolDocling: An ultra-compact vision-language model for end-to-end multi-modal document conversion",
         8, "https://github.com/docling-project/docling"),
        ("ShapeR: Robust Conditional 3D Shape Generation", None, "https://github.com/facebookresearch/ShapeR")]


# --- layouts the real captures do not show (tests/captures/written/) ------------------------

WRITTEN = CAPTURES / "written"


def read(name: str):
    dump = parse_dump_bytes((WRITTEN / name).read_bytes(), name)
    assert not [d for d in dump.diagnostics if d.level == "error"], dump.diagnostics
    return [(e.title.split(":")[0], e.upvotes, e.authors, e.org_name, e.date, e.comments, e.arxiv_id,
             bool(e.abstract)) for e in dump.entries]


def test_a_daily_listing_with_the_author_count_before_the_abstract():
    assert read("fc_daily.md") == [
        ("Breaking the Memory Barrier", 89, 9, "Alibaba DAMO Academy", PartialDate(10, 22, 2024), 4,
         "2410.17243", True),
        ("CLEAR", 52, 12, None, PartialDate(10, 23, 2024), 2, "2410.18057", True),
        ("Pangea", 0, 14, "Carnegie Mellon University", PartialDate(10, 21, 2024), 1, "2410.16153", True)]


def test_cards_without_abstracts_are_papers_when_they_carry_their_id_and_metadata():
    assert [row[:-1] for row in read("fc_daily_noabs.md")] == [row[:-1] for row in read("fc_daily.md")]
    assert not any(row[-1] for row in read("fc_daily_noabs.md"))


def test_a_notebooklm_export_with_author_counts_before_abstracts():
    assert read("nblm2.txt") == [
        ("Breaking the Memory Barrier", 89, 9, None, PartialDate(10, 22, 2024), 4, "2410.17243", True),
        ("CLEAR", 52, 12, None, PartialDate(10, 23, 2024), None, "2410.18057", True)]


def test_a_copy_paste_keeps_comment_counts_and_whole_organisation_names():
    assert read("copy-paste-today.txt") == [
        ("Breaking the Memory Barrier", 94, None, "Alibaba DAMO Academy", PartialDate(10, 22, 2024), 6,
         None, True),
        ("CLEAR", 52, 12, None, PartialDate(10, 23, 2024), 2, None, True)]


def test_embedded_data_is_read_from_its_list_of_papers_not_its_first_list():
    assert [row[0] for row in read("page-props-with-collections.json")] == [
        "Breaking the Memory Barrier", "CLEAR", "Pangea"]


@pytest.mark.parametrize("text, title", [
    (f"### [#InsTag: Instruction Tagging for Analyzing Fine-tuning]({URL}/2308.07074)\n\n{ABSTRACT}\n",
     "#InsTag: Instruction Tagging for Analyzing Fine-tuning"),
    (f"### [[CLS] Token Tells Everything Needed]({URL}/2412.05819)\n\n{ABSTRACT}\n",
     "[CLS] Token Tells Everything Needed"),
    (f"### [\"Give Me BF16 or Give Me Death\"? Accuracy Trade-Offs]({URL}/2411.02355)\n\n{ABSTRACT}\n",
     "\"Give Me BF16 or Give Me Death\"? Accuracy Trade-Offs"),
    (f"1. [DSPy: Compiling Declarative Language Model Calls]({URL}/2310.03714)\n\n{ABSTRACT}\n",
     "DSPy: Compiling Declarative Language Model Calls"),
    (f"### [LLM<think>: Reasoning Before Answering]({URL}/2501.00001)\n\n{ABSTRACT}\n",
     "LLM<think>: Reasoning Before Answering"),
])
def test_a_card_with_its_papers_id_keeps_its_title_as_written(text, title):
    assert [e.title for e in one(text).entries] == [title]


def test_authors_and_date_on_one_line_and_a_wrapped_abstract_before_an_organisation():
    text = ("52\nCLEAR: Character Unlearning in Textual and Visual Modalities\n"
            "Contrastive loss is a powerful approach for representation learning, where larger batch sizes\n"
            "enhance performance by providing more negative samples to better distinguish between similar\n"
            "and dissimilar data.\nAlibaba DAMO Academy · Oct 22, 2024\n"
            f"7\nSecond Paper Title\n{ABSTRACT}\n12 authors · Oct 23, 2024\n")
    first, second = one(text, "p.txt").entries
    assert first.abstract[0].endswith("between similar and dissimilar data.")
    assert (first.org_name, first.date) == ("Alibaba DAMO Academy", PartialDate(10, 22, 2024))
    assert (second.authors, second.org_name, second.date) == (12, None, PartialDate(10, 23, 2024))


@pytest.mark.parametrize("unit", ["[a](", "![a](", "[", "[a]["])
def test_runs_of_unclosed_links_parse_in_passing(unit):
    dump = parse_dump(unit * 50_000, "brackets.md")  # quadratic backtracking would take hours
    assert dump.entries == []


# --- families an adversarial tester found (tests/captures/written/<case>/) ----------------------
#
# Each folder holds one capture in the shape a tool writes it, a site.yaml where the case needs
# one, and truth.json: what the capture really holds, paper by paper.

CASES = sorted(path.parent.name for path in WRITTEN.glob("*/truth.json"))
FIELDS = ("title", "date", "upvotes", "authors", "arxiv_id", "organization")


def built_papers(tmp_path: Path, case: str) -> list[dict]:
    from conftest import Site
    site = Site(tmp_path)
    folder = WRITTEN / case
    captures = [p for p in folder.iterdir() if p.name not in ("truth.json", "site.yaml")]
    for path in [*captures, folder / "site.yaml"]:
        if path.exists():
            site.write(path.name, path.read_bytes())
    if not (folder / "site.yaml").exists():
        site.write("site.yaml", "title: Case\nbase_url: https://example.org/case/\nsources:\n"
                   + "".join(f"  - path: {p.name}\n" for p in captures))
    site.build()
    papers = json.loads((site.output / "papers.json").read_text(encoding="utf-8"))
    return papers["papers"] if isinstance(papers, dict) else papers


def as_truth(paper: dict, expected: dict) -> dict:
    organization = paper["organization"]["name"] if paper.get("organization") else None
    got = {**paper, "organization": organization}
    return {key: got.get(key) for key in FIELDS if key in expected}


@pytest.mark.parametrize("case", CASES)
def test_a_capture_of_each_family_is_read_as_it_really_is(tmp_path, case):
    truth = json.loads((WRITTEN / case / "truth.json").read_text(encoding="utf-8"))
    papers = built_papers(tmp_path, case)
    assert len(papers) == len(truth), [p["title"] for p in papers]  # no other pages
    by_id = {p["arxiv_id"]: p for p in papers if p.get("arxiv_id")}
    by_title = {p["title"]: p for p in papers}
    for expected in truth:
        paper = by_id.get(expected.get("arxiv_id")) or by_title.get(expected["title"])
        assert paper is not None, f"missing {expected['title']!r} in {sorted(by_title)}"
        assert as_truth(paper, expected) == {key: expected[key] for key in FIELDS if key in expected}
        assert paper["abstract"].startswith(expected["abstract_starts"])


@pytest.mark.parametrize("front, date, where", [
    ("---\ncreated: 2025-01-15\n---", "2025-01-15", "front matter `created:`"),  # Obsidian Web Clipper
    ("---\ncreated: 2025-01-15T10:11:12 (UTC +01:00)\ntags: []\n---", "2025-01-15",
     "front matter `created:`"),  # MarkDownload
    ("---\nclipped: 2025-01-15\n---", "2025-01-15", "front matter `clipped:`"),
    ("---\nsaved: 2025/01/15\n---", "2025-01-15", "front matter `saved:`"),
    ("---\nexported: Jan 15, 2025\n---", "2025-01-15", "front matter `exported:`"),
    ("---\ndate: Wednesday, 15 January 2025\n---", "2025-01-15", "front matter `date:`"),
    ("Title: Daily Papers\n\nURL Source: https://huggingface.co/papers\n\n"
     "Published Time: 2025-01-15T09:12:44.000Z\n\nMarkdown Content:", "2025-01-15",
     "header `Published Time:`"),  # Jina reader
    ("Title: Daily Papers\n\nURL Source: https://huggingface.co/papers/date/2024-10-25\n\n"
     "Published Time: 2025-01-15T09:12:44.000Z\n\nMarkdown Content:", "2024-10-25",
     "the listing's address in header `URL Source:`"),
    ("---\nsource: \"https://huggingface.co/papers?date=2024-10-25\"\ncreated: 2025-01-15\n---",
     "2024-10-25", "the listing's address in front matter `source:`"),
])
def test_the_capture_date_is_read_from_what_each_tool_writes(front, date, where):
    dump = one(f"{front}\n\n### [A Paper Title]({URL}/2501.00001)\n\n{ABSTRACT}\n")
    assert (str(dump.captured), dump.captured_from) == (date, where)
    assert [e.title for e in dump.entries] == ["A Paper Title"]


HTML_CARD = (f"<main><a href='/login?next=%2Fpapers%2F2601.00003'>17</a><h3><a href='/papers/2601.00003'>"
             f"An HTML Paper</a></h3><p>{ABSTRACT}</p><ul><li>4 authors</li></ul><time>Jan 3</time></main>")


@pytest.mark.parametrize("head, date, where", [
    ("<!-- saved from url=(0051)https://huggingface.co/papers/date/2026-01-05 -->", "2026-01-05",
     "the listing's address in the page's `saved from url` comment"),  # Chrome, Edge
    ('<link rel="canonical" href="https://huggingface.co/papers?date=2026-01-05">', "2026-01-05",
     "the listing's address in the page's canonical link"),
    ('<meta property="og:url" content="https://huggingface.co/papers/date/2026-01-05">', "2026-01-05",
     "the listing's address in the page's `og:url`"),
    ("<!--\n Page saved with SingleFile \n url: https://huggingface.co/papers \n saved date: Mon Jan 05 "
     "2026 09:12:44 GMT+0100 (Central European Standard Time)\n-->", "2026-01-05", "SingleFile's `saved date:`"),
    ("<!--\n Page saved with SingleFile \n url: https://huggingface.co/papers/date/2025-12-31 \n saved date: "
     "Mon Jan 05 2026\n-->", "2025-12-31", "the listing's address in SingleFile's `url:` comment"),
    ('<link rel="canonical" href="https://huggingface.co/papers">', "None", None),
])
def test_a_saved_pages_capture_date_comes_from_where_it_was_saved_from(head, date, where):
    dump = one(f"<!DOCTYPE html><html><head>{head}<title>Daily Papers</title></head><body>{HTML_CARD}"
               "</body></html>", "page.html")
    assert (str(dump.captured), dump.captured_from) == (date, where)
    assert [(e.title, e.date) for e in dump.entries] == [("An HTML Paper", PartialDate(1, 3))]


def test_an_mhtml_archive_is_read_as_the_page_it_holds_and_dated_by_where_it_was_saved_from():
    page = f"<!DOCTYPE html><html><head><title>Daily Papers</title></head><body>{HTML_CARD}</body></html>"
    boundary = "----MultipartBoundary--x7----"
    archive = ("From: <Saved by Blink>\r\nSnapshot-Content-Location: https://huggingface.co/papers/date/2026-01-05\r\n"
               "Date: Tue, 6 Jan 2026 09:12:44 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
               f"\ttype=\"text/html\";\r\n\tboundary=\"{boundary}\"\r\n\r\n--{boundary}\r\nContent-Type: text/html\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
               + quopri.encodestring(page.encode()).decode().replace("\n", "\r\n") + f"\r\n--{boundary}--\r\n")
    dump = one(archive, "Daily Papers.mhtml")
    assert (dump.shape, str(dump.captured), dump.captured_from) == (
        "html", "2026-01-05", "the listing's address in the MHTML's `Snapshot-Content-Location`")
    assert [(e.title, e.upvotes, e.arxiv_id) for e in dump.entries] == [("An HTML Paper", 17, "2601.00003")]


@pytest.mark.parametrize("response", [
    {"success": True, "data": {"markdown": "MARKDOWN", "metadata": {"sourceURL": f"{URL}/date/2026-01-05"}}},
    {"code": 200, "status": 20000, "data": {"title": "Daily Papers", "url": f"{URL}/date/2026-01-05",
                                            "content": "MARKDOWN"}},
])
def test_a_crawlers_json_response_is_read_as_the_page_inside_it(response):
    markdown = f"[17](https://huggingface.co/login?next=%2Fpapers%2F2601.00003)\n\n### [A Paper]({URL}/2601.00003)\n\n{ABSTRACT}\n\n- 4 authors\n\n·\n\nJan 3\n"
    text = json.dumps(response).replace("MARKDOWN", json.dumps(markdown)[1:-1])
    dump = one(text, "scrape.json")
    assert (dump.shape, str(dump.captured)) == ("markdown", "2026-01-05")
    assert [(e.title, e.upvotes, e.authors, e.arxiv_id) for e in dump.entries] == [("A Paper", 17, 4, "2601.00003")]


def test_a_printouts_page_margins_and_breaks_are_not_part_of_a_card():
    text = ("258\n\nA Title Set Larger Than Its\nAbstract\n\nWe study how a model reads an abstract that a page break cuts"
            " in the middle of a sentence, and how the\n\nhttps://huggingface.co/papers/date/2025-01-15 1/3\n"
            "\f1/15/25, 10:11 AM Daily Papers - Hugging Face\n\nsentence goes on at the top of the next page.\n\n"
            "12 authors\n·\nPublished on Jan 14\n")
    dump = one(text, "print.txt")
    (entry,) = dump.entries
    assert (entry.title, entry.upvotes, entry.authors) == ("A Title Set Larger Than Its Abstract", 258, 12)
    assert entry.abstract == ["We study how a model reads an abstract that a page break cuts in the middle of a sentence, "
                              "and how the sentence goes on at the top of the next page."]
    assert not dump.diagnostics


def test_a_daily_listing_is_dated_by_its_address_when_nothing_else_gives_the_year(tmp_path):
    from conftest import Site
    capture = (WRITTEN / "fm-url-only" / "fc.md").read_text(encoding="utf-8").replace(", 2024", "")
    site = Site(tmp_path)
    site.write("fc.md", capture)
    site.write("site.yaml", "title: Case\nbase_url: https://example.org/case/\nsources:\n  - path: fc.md\n")
    result = site.run("check")
    assert result.exit_code == 0, result.output
    assert "captured 2024-10-25 (the listing's address in front matter `url:`)" in result.output
    assert "warning:" not in result.output
    site.build()
    papers = json.loads((site.output / "papers.json").read_text(encoding="utf-8"))
    assert sorted(p["date"] for p in papers) == ["2024-10-21", "2024-10-22", "2024-10-23"]


def test_a_heading_run_onto_the_listing_date_and_a_dash_for_no_upvotes_in_plain_text():
    text = (f"Daily Papers\n\nTrending Papers Oct 2 101\n\nFirst Paper Title\n\n{ABSTRACT}\n\n"
            f"  • 3 authors\n\n·\n\nMay 29 6\n\n-\n\nSecond Paper Title\n\n{ABSTRACT}\n\nOCC\n\n·\n\nMay 8\n")
    dump = one(text, "w3m.txt")
    assert dump.header_date == PartialDate(10, 2)
    assert [(e.title, e.upvotes, e.authors, e.comments, e.date) for e in dump.entries] == [
        ("First Paper Title", 101, 3, 6, PartialDate(5, 29)),
        ("Second Paper Title", 0, None, None, PartialDate(5, 8))]


@pytest.mark.parametrize("width", [60, 72, 80, 100])
@pytest.mark.parametrize("blank_lines", [True, False])
def test_hard_wrapping_a_copy_paste_at_any_width_reads_the_same_papers(width, blank_lines):
    import textwrap
    lines = (WRITTEN / "chrome-copy" / "search.txt").read_text(encoding="utf-8").splitlines()
    wrapped = [textwrap.wrap(line, width) or [line] for line in lines]
    text = ("\n\n" if blank_lines else "\n").join("\n".join(block) for block in wrapped)

    def cards(dump):
        return [(e.title, e.abstract[0][:60], e.upvotes, e.authors, e.org_name, e.date, e.comments)
                for e in dump.entries]
    assert cards(one(text, "wrapped.txt")) == cards(one("\n".join(lines), "copy.txt"))


@pytest.mark.parametrize("kept", [0, 20, 60, 120])
def test_a_scrape_cut_off_inside_its_link_definitions_reads_the_same_cards(kept):
    text = (WRITTEN / "refstyle-defs" / "hf-long-context-asr.md").read_text(encoding="utf-8")
    body, _, definitions = text.partition("\n[1]: ")
    cut = "\n".join(("[1]: " + definitions).splitlines()[:kept])

    def cards(dump):
        return [(e.title, e.abstract[0][:60], e.upvotes, e.authors, e.org_name, e.date) for e in dump.entries]
    assert cards(one(f"{body}\n{cut}\n[Content truncated]\n")) == cards(one(text))


@pytest.mark.parametrize("label, comments", [("²", None), ("٣", 3), ("12", 12)])
def test_a_comment_link_labelled_with_any_digit_is_read_or_left_never_a_crash(label, comments):
    text = (f"### [Spiking Networks Learn Faster With Dendrites](https://huggingface.co/papers/2505.01234)\n\n"
            f"{ABSTRACT}\n\n* 3 authors\n\n"
            f"May 29[{label}](https://huggingface.co/papers/2505.01234#community)\n")
    for shape in ("markdown", None):  # (None: detected)
        dump = parse_dump(text, "capture.md", shape)
        assert [entry.title for entry in dump.entries] == ["Spiking Networks Learn Faster With Dendrites"]
        assert dump.entries[0].comments == comments
