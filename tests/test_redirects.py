"""Links that never break: earlier URLs matched to this build's papers (the pure part),
and builds that redirect a retitled paper's every old URL of their own accord."""

from __future__ import annotations

import json

from helpers import ABSTRACT, broken_internal_links, full_dump
from sitegen.redirects import History, parse_history, plan_redirects, sighting

OTHER = "Protein folding, predicted and checked against crystal structures."


def plan(history, current, manual=None):
    return plan_redirects(history, {paper.url for paper in current}, manual or {}, lambda: current)


def test_a_retitled_paper_is_found_by_its_abstract():
    earlier = History((sighting("papers/old/", "Old", ABSTRACT, ["d.txt:3"]),
                       sighting("papers/kept/", "Kept", OTHER, ["d.txt:9"])))
    result = plan(earlier, [sighting("papers/new/", "New", " ".join(ABSTRACT.split()) + " ", ["d.txt:3"]),
                            sighting("papers/kept/", "Kept", OTHER, ["d.txt:9"])])
    assert result.redirects == {"papers/old/": "papers/new/"}
    assert result.gone == []


def test_an_arxiv_id_beats_the_abstract_and_a_different_one_is_another_paper():
    earlier = History((sighting("papers/old/", "Old", ABSTRACT, arxiv_id="2501.00001"),))
    same_id = sighting("papers/reworded/", "Reworded", "A rewritten abstract.", arxiv_id="2501.00001")
    same_text = sighting("papers/copy/", "Copy", ABSTRACT)
    assert plan(earlier, [same_text, same_id]).redirects == {"papers/old/": "papers/reworded/"}
    other_id = sighting("papers/other/", "Other", ABSTRACT, arxiv_id="2501.99999")
    result = plan(earlier, [other_id])
    assert result.redirects == {} and [gone.url for gone in result.gone] == ["papers/old/"]


def test_the_same_abstract_twice_goes_to_the_nearest_source_position():
    earlier = History((sighting("papers/old/", "Old", ABSTRACT, ["dumps/b.txt:40"]),))
    far = sighting("papers/far/", "Far", ABSTRACT, ["dumps/b.txt:400"])
    near = sighting("papers/near/", "Near", ABSTRACT, ["dumps/b.txt:44"])
    elsewhere = sighting("papers/elsewhere/", "Elsewhere", ABSTRACT, ["dumps/a.txt:40"])
    assert plan(earlier, [far, elsewhere, near]).redirects == {"papers/old/": "papers/near/"}


def test_a_chain_of_retitles_sends_every_old_url_straight_to_the_current_page():
    first = plan(History((sighting("papers/a/", "A", ABSTRACT),)), [sighting("papers/b/", "B", ABSTRACT)])
    assert first.redirects == {"papers/a/": "papers/b/"}
    second = plan(History((sighting("papers/b/", "B", ABSTRACT),), first.redirects),
                  [sighting("papers/c/", "C", ABSTRACT)])
    assert second.redirects == {"papers/a/": "papers/c/", "papers/b/": "papers/c/"}
    back = plan(History((sighting("papers/c/", "C", ABSTRACT),), second.redirects),
                [sighting("papers/a/", "A", ABSTRACT)])  # the first title again: its page is back
    assert back.redirects == {"papers/b/": "papers/a/", "papers/c/": "papers/a/"}


def test_a_paper_in_no_dump_is_reported_with_every_url_it_had():
    earlier = History((sighting("papers/b/", "Bee", ABSTRACT),), {"papers/a/": "papers/b/"})
    result = plan(earlier, [sighting("papers/x/", "X", OTHER)])
    assert [(gone.url, gone.title) for gone in result.gone] == [("papers/a/", "Bee"), ("papers/b/", "Bee")]
    assert result.redirects == {}


def test_site_yaml_redirects_stay_for_what_cannot_be_matched():
    earlier = History((sighting("papers/old/", "Old", ABSTRACT),))
    result = plan(earlier, [sighting("papers/new/", "New", OTHER)], {"papers/old/": "papers/new/"})
    assert result.redirects == {"papers/old/": "papers/new/"} and result.gone == []


def test_a_history_names_only_paper_urls():
    papers = json.dumps([{"url": "papers/ok/", "title": "Ok", "abstract": "x"},
                         {"url": "../../etc/passwd", "title": "no"}, {"url": "papers/../x/"}])
    redirects = json.dumps({"papers/a/": "papers/ok/", "index.html": "papers/ok/",
                            "papers/b/": "../outside/"})
    history = parse_history(papers, redirects)
    assert history.urls == {"papers/ok/", "papers/a/"}


def retitled(site, title, abstract=ABSTRACT):
    site.write("dumps/a.txt", full_dump((title, abstract, "• 2 authors", "Jun 12, 2025 3"),
                                        ("Kept Paper", OTHER, "• 1 author", "Jun 12, 2025 1")))


def test_a_retitled_paper_keeps_every_old_url_build_after_build(site):
    retitled(site, "Spiking Netwrks")
    site.build()
    retitled(site, "Spiking Networks")
    site.build()
    moved = site.page("papers/spiking-netwrks/index.html")
    assert 'content="0; url=../../papers/spiking-networks/"' in moved
    retitled(site, "Spiking Networks, Corrected")
    site.build()
    for old in ("spiking-netwrks", "spiking-networks"):
        assert 'content="0; url=../../papers/spiking-networks-corrected/"' in site.page(f"papers/{old}/index.html")
    assert json.loads(site.page("redirects.json")) == {
        "papers/spiking-netwrks/": "papers/spiking-networks-corrected/",
        "papers/spiking-networks/": "papers/spiking-networks-corrected/"}
    assert "spiking-netwrks" not in site.page("sitemap.xml")
    assert broken_internal_links(site.output, "https://example.org/") == []


def test_a_paper_removed_from_every_dump_is_reported(site):
    retitled(site, "Spiking Networks")
    site.build()
    site.write("dumps/a.txt", full_dump(("Kept Paper", OTHER, "• 1 author", "Jun 12, 2025 1")))
    result = site.build()
    assert ("_site/papers.json: warning: papers/spiking-networks/ (Spiking Networks) was published but is in no "
            "dump now, so its link breaks") in result.output
    assert not (site.output / "papers/spiking-networks").exists()


def test_a_new_page_is_preferred_to_one_that_was_there_even_when_only_its_url_is_known():
    earlier = History((sighting("papers/old/", "Old", ABSTRACT, ["d.txt:3"]),), served_too=frozenset({"papers/kept/"}))
    kept = sighting("papers/kept/", "Kept", ABSTRACT, ["d.txt:3"])  # nearer, but its page was there
    new = sighting("papers/new/", "New", ABSTRACT, ["d.txt:90"])
    assert plan(earlier, [kept, new]).redirects == {"papers/old/": "papers/new/"}


def test_the_previous_output_is_read_for_the_papers_this_build_lacks(site):
    from sitegen.links import read_history
    retitled(site, "Spiking \"Networks\" {\"slug\":\"x\"}")  # quotes and braces in the records
    site.build()
    records = json.loads(site.page("papers.json"))
    history, problem = read_history(site.output, {"papers/kept-paper/"})
    assert problem is None and history.served_too == {"papers/kept-paper/"}
    [record] = [r for r in records if r["url"] != "papers/kept-paper/"]
    assert history.papers == (sighting(record["url"], record["title"], record["abstract"], record["sources"]),)
    whole, _ = read_history(site.output)
    assert {paper.url for paper in whole.papers} == {r["url"] for r in records}


def test_a_paper_with_a_new_title_and_abstract_is_found_by_its_arxiv_id(site):
    site.write("site.yaml", site.config.read_text().replace("dumps/*.txt", "dumps/*.json"))

    def listing(title, abstract):
        site.write("dumps/list.json", json.dumps([{"id": "2601.00004", "title": title, "summary": abstract,
                                                   "publishedAt": "2026-01-02T00:00:00.000Z"}]))
    listing("Spiking Netwrks", ABSTRACT)
    site.build()
    listing("Spiking Networks", OTHER)
    site.build()
    assert 'content="0; url=../../papers/spiking-networks/"' in site.page("papers/spiking-netwrks/index.html")
