"""The built digest in a real browser: browsable from disk, keyboard navigation."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_digest_opened_from_disk_is_browsable(seed_site, page):
    page.goto((seed_site.output / "index.html").as_uri())
    page.get_by_role("link", name="Topics", exact=True).click()
    assert page.url.endswith("/topics/index.html")
    page.get_by_role("link", name="Mechanistic interpretability").first.click()
    assert page.url.endswith("/topics/interpretability/index.html")
    page.locator(".paper-title a").first.click()
    assert "/papers/" in page.url and page.url.endswith("/index.html")
    assert page.locator("h1").count() == 1
    page.get_by_role("link", name="Days", exact=True).click()
    assert page.url.endswith("/days/index.html")
    assert page.errors == []
    assert all(url.startswith("file://") for url in page.requests)


def test_arrow_keys_follow_previous_and_next_paper(seed_site, page):
    papers = json.loads((seed_site.output / "papers.json").read_text())
    day = [p for p in papers if p["date"] == "2026-03-11"]
    page.goto((seed_site.output / day[0]["url"] / "index.html").as_uri())
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/" + day[1]["url"] + "index.html")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**/" + day[0]["url"] + "index.html")
    assert page.errors == []


def test_skip_link_is_the_first_focus_stop_and_visible(seed_site, page):
    page.goto((seed_site.output / "index.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0
