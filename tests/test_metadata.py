"""What machines read: feeds as a feed reader parses them (feedparser), and meta tags,
feed subtitles and JSON-LD in plain text where the config's fields are Markdown."""

from __future__ import annotations

import json
import re
from html import unescape

import feedparser

from helpers import ABSTRACT, full_dump
from sitegen.prose import markdown_html, plain_text

MARKDOWN_DESCRIPTION = 'Papers from Hugging Face **Daily Papers** -- "curated" by [us](https://example.org/) & `friends`...'
PLAIN_DESCRIPTION = "Papers from Hugging Face Daily Papers – “curated” by us & friends…"


def all_feeds(output):
    return [output / "feed.xml", *sorted(output.glob("topics/*/feed.xml"))]


def test_every_feed_parses_cleanly_with_distinct_updated_and_a_published_time(seed_site):
    feeds = all_feeds(seed_site.output)
    assert len(feeds) > 5
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert feed.version == "atom10" and feed.entries
        updated = [entry.updated for entry in feed.entries]
        assert len(set(updated)) == len(updated), path
        for entry in feed.entries:
            assert entry.published_parsed and entry.updated_parsed >= entry.published_parsed
            assert entry.published.endswith("T00:00:00Z")
        assert feed.feed.updated == max(updated)


def test_entry_times_stay_the_same_from_build_to_build_and_as_papers_are_added(site):
    first = ("Spiking cells one", ABSTRACT, "• 2 authors", "Jun 1, 2024")
    second = ("Spiking cells two", ABSTRACT, "• 2 authors", "Jun 1, 2024")
    site.write("dumps/a.txt", full_dump(first, second))
    site.build()
    before = {e.title: (e.published, e.updated) for e in feedparser.parse(site.page("feed.xml")).entries}
    site.build("--no-cache")
    assert {e.title: (e.published, e.updated)
            for e in feedparser.parse(site.page("feed.xml")).entries} == before
    site.write("dumps/b.txt", full_dump(("Spiking cells three", ABSTRACT, "• 2 authors", "Jun 1, 2024")))
    site.build()
    after = {e.title: (e.published, e.updated) for e in feedparser.parse(site.page("feed.xml")).entries}
    assert {title: after[title] for title in before} == before
    assert len({updated for _, updated in after.values()}) == 3


def test_an_entry_seen_again_in_a_later_capture_is_updated_that_day(site):
    site.write("site.yaml", """
        title: Test Digest
        base_url: https://example.org/
        sources:
          - path: dumps/early.txt
            captured: 2024-06-01
          - path: dumps/later.txt
            captured: 2024-06-20
        """)
    paper = ("Spiking cells", ABSTRACT, "• 2 authors", "Jun 1, 2024")
    site.write("dumps/early.txt", full_dump(paper))
    site.write("dumps/later.txt", full_dump(paper))
    site.build()
    [entry] = feedparser.parse(site.page("feed.xml")).entries
    assert entry.published == "2024-06-01T00:00:00Z" and entry.updated.startswith("2024-06-20T")


def test_a_topic_feed_follows_its_topic_page(seed_site):
    feed = feedparser.parse((seed_site.output / "topics/spiking/feed.xml").read_bytes())
    assert feed.feed.link == "https://example.github.io/sitegen/topics/spiking/"
    assert feedparser.parse((seed_site.output / "feed.xml").read_bytes()).feed.link == \
        "https://example.github.io/sitegen/"


def test_no_site_title_poses_as_an_author(site):
    site.write("dumps/a.txt", full_dump(("Spiking by a lab", ABSTRACT, "OpenLab Open Lab", "Jun 1, 2024"),
                                        ("Spiking by people", ABSTRACT, "• 3 authors", "Jun 2, 2024")))
    site.write("dumps/b.txt", json.dumps([{"paper": {  # the Hub's JSON, saved as it came
        "id": "2410.17243", "title": "Spiking by named people", "summary": ABSTRACT,
        "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
        "publishedAt": "2024-06-03T17:59:30.000Z", "upvotes": 4}}]))
    site.build()
    feed = feedparser.parse(site.page("feed.xml"))
    authors = {entry.title: [author.get("name") for author in entry.get("authors", [])]
               for entry in feed.entries}
    assert feed.feed.get("author") != "Test Digest"
    assert authors == {"Spiking by a lab": ["Open Lab"], "Spiking by people": [],
                       "Spiking by named people": ["Ada Lovelace", "Alan Turing"]}
    assert feed.feed.author == "Authors not named in the listing"  # stands for those Atom requires


def test_markdown_fields_are_plain_text_in_meta_tags_and_feeds(site):
    site.write("site.yaml", f"""
        title: Test Digest
        description: '{MARKDOWN_DESCRIPTION}'
        base_url: https://example.org/
        sources: [dumps/*.txt]
        topics:
          - slug: spiking
            name: Spiking
            description: 'Networks that **spike**, "literally"'
            match: [spiking]
        """)
    site.write("dumps/a.txt", full_dump(("Spiking cells", ABSTRACT, "• 2 authors", "Jun 1, 2024")))
    site.build()
    home = site.page("index.html")
    for name in ('name="description"', 'property="og:description"'):
        content = re.search(rf'<meta {name} content="([^"]*)"', home).group(1)
        assert unescape(content) == PLAIN_DESCRIPTION
    assert "<strong>Daily Papers</strong> – “curated”" in home  # the page itself shows it as HTML
    assert feedparser.parse(site.page("feed.xml")).feed.subtitle == PLAIN_DESCRIPTION
    assert feedparser.parse(site.page("topics/spiking/feed.xml")).feed.subtitle == \
        "Networks that spike, “literally”"
    paper = site.page("papers/spiking-cells/index.html")
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', paper).group(1))
    assert all("**" not in value for value in ld.values() if isinstance(value, str))


def test_smart_punctuation_is_really_on():
    assert markdown_html('"Quoted" -- and it\'s done...') == "<p>“Quoted” – and it’s done…</p>\n"
    assert plain_text("# Title\n\n*Some* [link](x) & ![an image](y.png)\n\n- one\n- two") == \
        "Title Some link & an image one two"
    assert plain_text("Raw <b>html</b> stays text") == "Raw <b>html</b> stays text"
    assert plain_text("") == plain_text(None) == ""
