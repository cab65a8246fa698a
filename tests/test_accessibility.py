"""Accessibility in a real browser: axe-core over the pages people land on, in both widths
and both colour schemes, and the header search used with the keyboard alone."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

# Named in issue 25: each was reported on some page; none may come back, whatever its impact.
NAMED_RULES = {"aria-required-children", "nested-interactive", "listitem", "heading-order"}
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def landing_pages(subpath_site):
    papers = json.loads((subpath_site.output / "papers.json").read_text())
    dated = next(paper for paper in papers if paper["date"])
    return {
        "paper": dated["url"],
        "topic": f"topics/{dated['topics'][0]}/",
        "day": f"days/{dated['date']}/",
        "search": "search/?q=spiking",
    }


def axe_violations(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    return page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]}).then(r =>
        r.violations.map(v => ({id: v.id, impact: v.impact,
                                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))})))""")


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("critical", "serious") or v["id"] in NAMED_RULES]


def open_header_search_with_a_result_highlighted(page):
    page.locator("#site-search-box").focus()
    page.keyboard.type("spiking")
    page.wait_for_selector(".search-dropdown:not([hidden]) .search-more")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector(".search-dropdown [aria-selected=true]")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_axe_finds_nothing_critical_or_serious(browser, static_server, landing_pages, axe_source,
                                                width, scheme):
    context = browser.new_context(viewport=WIDTHS[width], color_scheme=scheme)
    try:
        page = context.new_page()
        found = {}
        page.goto(f"{static_server}/digest/")
        open_header_search_with_a_result_highlighted(page)
        found["home, search list open"] = serious(axe_violations(page, axe_source))
        for name, url in landing_pages.items():
            page.goto(f"{static_server}/digest/{url}")
            if name == "search":
                page.wait_for_selector(".search-results .search-result")
            found[name] = serious(axe_violations(page, axe_source))
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_focus_ring_has_three_to_one_contrast_in_both_schemes(browser, static_server):
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{static_server}/digest/")
        page.keyboard.press("Tab")  # the skip link
        ratios = page.evaluate("""() => {
            const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
            const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
                return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                return (x + 0.05) / (y + 0.05); };
            const ring = rgb(getComputedStyle(document.activeElement).outlineColor);
            return [document.body, document.querySelector(".site-header")].map(
                el => ratio(ring, rgb(getComputedStyle(el).backgroundColor)));
        }""")
        context.close()
        assert min(ratios) >= 3, (scheme, ratios)


def state(page) -> dict:
    return page.evaluate("""() => {
        const box = document.getElementById("site-search-box");
        const list = document.getElementById("search-dropdown");
        const active = box.getAttribute("aria-activedescendant");
        return {focus: document.activeElement.id, open: !list.hidden,
                expanded: box.getAttribute("aria-expanded"),
                active: active && document.getElementById(active).textContent,
                selected: [...list.querySelectorAll("[aria-selected=true]")].map(o => o.id)};
    }""")


def test_header_search_with_the_keyboard_alone(static_server, page):
    page.goto(f"{static_server}/digest/topics/")
    page.keyboard.press("/")
    assert state(page)["focus"] == "site-search-box"
    page.keyboard.type("dragon hatchling")
    page.wait_for_selector(".search-dropdown:not([hidden]) .search-more")
    options = page.locator(".search-dropdown [role=option]")
    count = options.count()
    assert count >= 2 and page.locator(".search-dropdown a, .search-dropdown button").count() == 0
    assert state(page)["expanded"] == "true" and state(page)["active"] is None

    page.keyboard.press("ArrowDown")
    assert state(page)["active"].startswith("The Dragon Hatchling")
    assert state(page)["selected"] == ["search-option-0"]
    page.keyboard.press("ArrowUp")  # from the first option up to the last: "All N results"
    assert state(page)["active"].startswith("All ") and "dragon hatchling" in state(page)["active"]
    for _ in range(count - 1):
        page.keyboard.press("ArrowUp")
    assert state(page)["active"].startswith("The Dragon Hatchling")

    page.keyboard.press("Escape")
    assert state(page) | {"selected": None} == dict(focus="site-search-box", open=False, expanded="false",
                                                   active=None, selected=None)
    page.keyboard.press("ArrowDown")  # opens the list again, nothing highlighted
    assert state(page)["open"] and state(page)["expanded"] == "true" and state(page)["active"] is None
    for _ in range(count):
        page.keyboard.press("ArrowDown")
    assert state(page)["active"].startswith("All ")
    page.keyboard.press("Enter")  # the last option opens the search page
    page.wait_for_url("**/digest/search/?q=dragon%20hatchling")
    page.wait_for_selector(".search-results .search-result a")

    page.goto(f"{static_server}/digest/topics/")
    page.keyboard.press("/")
    page.keyboard.type("dragon hatchling")
    page.wait_for_selector(".search-dropdown:not([hidden]) .search-more")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # leaves the box, and the list closes
    after = state(page)
    assert after["focus"] != "site-search-box" and not after["open"] and after["expanded"] == "false"
    assert page.evaluate("document.getElementById('search-dropdown').contains(document.activeElement)") is False

    page.keyboard.press("Shift+Tab")
    assert state(page)["focus"] == "site-search-box"
    page.keyboard.press("ArrowDown")
    page.wait_for_selector(".search-dropdown:not([hidden])")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # the highlighted paper opens
    page.wait_for_url("**/digest/papers/the-dragon-hatchling*/")
    assert page.errors == []


def test_a_click_on_an_option_opens_its_paper(static_server, page):
    page.goto(f"{static_server}/digest/")
    page.fill("#site-search-box", "dragon hatchling")
    page.wait_for_selector(".search-dropdown:not([hidden]) .search-more")
    page.locator(".search-dropdown [role=option]").first.click()
    page.wait_for_url("**/digest/papers/the-dragon-hatchling*/")
    assert page.errors == []


def test_search_page_results_are_plain_links_in_a_list(static_server, page):
    page.goto(f"{static_server}/digest/search/?q=spiking")
    page.wait_for_selector(".search-results .search-result")
    roles = page.evaluate("""() => [...document.querySelectorAll('.search-results > li')].map(li =>
        [li.getAttribute('role'), li.querySelectorAll('a[href]').length])""")
    assert roles and all(role is None and links == 1 for role, links in roles)


def test_heading_levels_never_skip_on_any_page(seed_site):
    """Every page starts at one h1 and goes down a level at a time (axe's heading-order,
    over every page the build writes rather than the few the browser visits)."""
    import re
    skipped = []
    for path in sorted(seed_site.output.rglob("*.html")):
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", path.read_text(encoding="utf-8"))]
        if not levels:
            continue  # a redirect
        jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        if levels[0] != 1 or levels.count(1) != 1 or jumps:
            skipped.append(f"{path.relative_to(seed_site.output)}: {levels[:8]}")
    assert skipped == []
