"""Bad input of every kind is a `path:line: message` and exit code 2, never a traceback,
and what is read and printed is bounded: site.yaml, the environment, `check --against`,
`init`'s folder name, and titles that could take each other's pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from helpers import ABSTRACT, full_dump

DUMP = full_dump(("Spiking Networks Learn", ABSTRACT, "• 2 authors", "Jun 12, 2025 3"))
HEAD = "title: T\nbase_url: https://example.org/\nsources:\n  - path: dumps/*.txt\n"


def alias_bomb(levels: int) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


BAD_CONFIGS = {
    "merge key": (HEAD + "description: &a {title: x}\n<<: *a\n", 6, "merge key"),
    "merge key in a topic": (HEAD + "topics:\n  - <<: {slug: a, name: A, match: [x]}\n", 6, "merge key"),
    "unknown tag": (HEAD + "description: !foo bar\n", 5, "description"),
    "python tag": (HEAD + "description: !!python/object:os.system ls\n", 5, "description"),
    "day that does not exist": (HEAD + "    captured: 2025-02-30\n", 5, "sources[0].captured"),
    "huge year": (HEAD + "    year: 99999999999999\n", 5, "sources[0].year must be a whole number of at most 9999"),
    "huge per_page": (HEAD + "per_page: 99999999999999999999999\n", 5, "per_page"),
    "bad IPv6 base_url": (HEAD.replace("https://example.org/", '"https://[::1/x/"'), 2, "base_url"),
    "base_url with a space": (HEAD.replace("https://example.org/", '"https://example.org/a b/"'), 2, "base_url"),
    "base_url with <": (HEAD.replace("https://example.org/", '"https://example.org/<b>/"'), 2, "base_url"),
    "base_url port 99999": (HEAD.replace("https://example.org/", "https://example.org:99999/"), 2, "base_url"),
    "base_url without host": (HEAD.replace("https://example.org/", "https:///x/"), 2, "base_url"),
    "NUL in output": (HEAD + 'output: "a\\0b"\n', 5, "output contains control characters"),
    "long output": (HEAD + f"output: {'x' * 300}\n", 5, "longer than 255 bytes"),
    "deep nesting": (HEAD + "description: " + "[" * 5000 + "]" * 5000 + "\n", None, "nested too deeply"),
    # (an alias is reported at the line of what it names)
    "alias bomb as a key": (HEAD + alias_bomb(7) + "? *l7\n: x\n", 12, "keys are plain names"),
    "alias bomb as a value": (HEAD + alias_bomb(7) + "description: *l7\n", 12, "description must be"),
    "alias bomb in sources": (alias_bomb(7) + HEAD.replace("  - path: dumps/*.txt\n", "  - *l7\n"), 8,
                              "must be a mapping"),
    "key that is a list": (HEAD + "[a, b]: c\n", 5, "keys are plain names"),
    "huge title": (HEAD.replace("title: T", "title: " + "T" * 2_000_000), None, "larger than 1024 KB"),
    "long title": (HEAD.replace("title: T", "title: " + "T" * 5000), 1, "title is 5,000 characters long; at most 200"),
    "long description": (HEAD + "description: " + "d" * 20_000 + "\n", 5, "at most 5,000"),
    "CNAME with a newline": (HEAD + 'custom_domain: "evil.com\\nother.com"\n', 5, "custom_domain"),
    "CNAME with a path": (HEAD + "custom_domain: ../../etc/x\n", 5, "bare host name"),
    "CNAME as a URL": (HEAD + "custom_domain: https://papers.example.org/path\n", 5, "bare host name"),
    "duplicate redirect": (HEAD + "redirects:\n  old-a: new-a\n  old-b: new-b\n  old-a: new-c\n", 8,
                           "old-a appears twice (also on line 6)"),
    "language with markup": (HEAD + 'language: "en\\"><script>"\n', 5, "language"),
    "not UTF-8": (HEAD.encode() + b"description: \xff\xfe\n", 5, "not UTF-8"),
    "allow_outside a string": (HEAD + "allow_outside: yes please\n", 5, "allow_outside must be true or false"),
}


@pytest.mark.parametrize("name", BAD_CONFIGS)
def test_a_bad_site_yaml_is_a_message_with_its_line_never_a_traceback(site, name):
    text, line, message = BAD_CONFIGS[name]
    site.write("dumps/a.txt", DUMP)
    (site.root / "site.yaml").write_bytes(text.encode() if isinstance(text, str) else text)
    started = time.monotonic()
    result = site.run("build")
    assert time.monotonic() - started < 20
    assert result.exit_code == 2, result.output[:2000]
    assert message in result.output, result.output[:2000]
    if line is not None:
        assert f"site.yaml:{line}:" in result.output, result.output[:2000]
    assert len(result.output) < 10_000
    assert not site.output.exists()


def test_hundreds_of_mistakes_are_reported_fifty_at_a_time(site):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", HEAD + "redirects:\n" + "".join(f"  Old{n}: x\n" for n in range(500)))
    result = site.run("check")
    assert result.exit_code == 2
    assert result.output.count("is not a slug") == 50 and "and 450 more" in result.output


def test_errors_of_the_output_option_are_not_blamed_on_site_yaml(site):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", HEAD + "per_page: 10\n" * 0 + "language: en\noutput: public\n")
    result = site.run("build", "-o", ".")
    assert result.exit_code == 2
    assert "--output ." in result.output and "site.yaml:" not in result.output
    result = site.run("build", "-o", "x" * 300)
    assert result.exit_code == 2 and "--output" in result.output and "site.yaml:" not in result.output


def test_an_output_under_the_home_folder_is_expanded_not_made_literally(site, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", HEAD + "output: ~/digest-site\n")
    site.build()
    assert (tmp_path / "home/digest-site/index.html").is_file()
    assert not (site.root / "~").exists()


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "1e9", "99999999999999", " 5"])
def test_an_invalid_source_date_epoch_is_a_clear_error(site, value):
    site.write("dumps/a.txt", DUMP)
    result = subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=site.root, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "SOURCE_DATE_EPOCH": value})
    assert result.returncode == 2, result.stderr
    assert "SOURCE_DATE_EPOCH" in result.stderr and "Traceback" not in result.stderr


def test_a_valid_source_date_epoch_dates_an_empty_feed(site):
    site.write("dumps/a.txt", full_dump(("Undated Spiking Paper", ABSTRACT, None, None)))
    result = subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=site.root, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "SOURCE_DATE_EPOCH": "253402300799"})
    assert result.returncode == 0, result.stderr
    assert "<updated>9999-12-31T23:59:59Z</updated>" in (site.output / "feed.xml").read_text()


AGAINST = {
    "url a number": [{"url": 5}],
    "url null": {"url": None},
    "NaN": "NaN",
    "empty url": [{"url": ""}],
    "url a list": [{"url": ["a"]}],
    "mixed urls": [{"url": 1}, {"url": "papers/a/"}],
    "a string": "papers",
    "not an object": [1, 2],
}


@pytest.mark.parametrize("name", AGAINST)
def test_check_against_any_json_is_a_message_not_a_traceback(site, name):
    site.write("dumps/a.txt", DUMP)
    value = AGAINST[name]
    site.write("old.json", value if isinstance(value, str) else json.dumps(value))
    result = site.run("check", "--against", "old.json")
    assert result.exit_code == 2, result.output
    assert "--against old.json" in result.output


def test_check_against_a_deep_or_endless_file_is_refused_within_limits(site):
    site.write("dumps/a.txt", DUMP)
    site.write("deep.json", "[" * 100_000 + "]" * 100_000)
    result = site.run("check", "--against", "deep.json")
    assert result.exit_code == 2 and "--against deep.json" in result.output
    started = time.monotonic()
    result = site.run("check", "--against", "/dev/zero")
    assert result.exit_code == 2 and "larger than" in result.output
    assert time.monotonic() - started < 30


def test_check_against_echoes_titles_without_terminal_escapes_or_fake_lines(site):
    site.write("dumps/a.txt", DUMP)
    site.write("old.json", json.dumps([{"url": "papers/gone/", "title": "x\x1b]0;pwned\x07\nError: fake"},
                                       {"url": "weird\x1b[2J", "title": 3}]))
    result = site.run("check", "--against", "old.json")
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\nError: fake" not in result.output
    assert "papers/gone/ (x\\x1b]0;pwned\\x07\\nError: fake) would break; add `gone: <new slug>`" \
        in result.output


@pytest.mark.parametrize("name", ["!bang", "lab: papers", "#1 digest", "[lab] digest", "*star", "@at",
                                  "|pipe", "a \"quoted\" 'name'", "back\\slash", "{brace}", "ünï 😀",
                                  "%percent", "-dash", "? question", "&amp"])
def test_init_into_an_odd_folder_name_writes_a_site_yaml_that_loads(tmp_path, name):
    from click.testing import CliRunner
    from sitegen.cli import main
    folder = tmp_path / name
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((folder / "site.yaml").read_text(encoding="utf-8"))
    assert name.split()[0].strip("-").lower()[:1] in config["title"].lower()
    check = subprocess.run([sys.executable, "-m", "sitegen", "check"], cwd=folder, capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("name, title", [("plain-digest", "Plain Digest"), ("lab-papers", "Lab Papers Digest"),
                                         ("digest", "Digest"), ("my_Digest", "My Digest")])
def test_init_does_not_say_digest_twice(tmp_path, name, title):
    from sitegen.init import init_site
    init_site(tmp_path / name)
    assert yaml.safe_load((tmp_path / name / "site.yaml").read_text())["title"] == title


def test_a_custom_domain_is_written_to_cname_as_a_bare_host_name(site):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", HEAD + "custom_domain: Papers.Example.org\n")
    site.build()
    assert (site.output / "CNAME").read_text() == "papers.example.org\n"


def test_adding_a_paper_never_moves_the_page_of_a_title_without_ascii_letters(site):
    from sitegen.content.slugs import title_hash, title_key
    title = "深層学習による視覚野のモデル"  # no letter a slug can spell: "paper-<hash>"
    site.write("dumps/a.txt", full_dump((title, ABSTRACT, "• 2 authors", "Jun 12, 2025 3")))
    site.build()
    before = {path.parent.name for path in (site.output / "papers").glob("*/index.html")}
    assert before == {f"paper-{title_hash(title_key(title))}"}
    lookalike = f"Paper {title_hash(title_key(title))}"
    site.write("dumps/b.txt", full_dump((lookalike, ABSTRACT, "• 2 authors", "Jun 13, 2025 3")))
    site.build()
    after = {path.parent.name for path in (site.output / "papers").glob("*/index.html")}
    assert before < after and len(after) == 2
    (slug,) = before
    assert title in (site.output / "papers" / slug / "index.html").read_text()


def test_no_title_can_take_another_titles_hashed_slug():
    from sitegen.content.slugs import slugify, title_hash, title_key
    hashed = slugify("Ünïcode Title")
    spelled = "Unicode Title " + title_hash(title_key("Ünïcode Title"))
    assert hashed.endswith(title_hash(title_key("Ünïcode Title")))
    assert slugify(spelled) != hashed
    assert slugify("!!!") != slugify("Paper " + title_hash(title_key("!!!")))
    assert slugify("Deep Learning 2025") == "deep-learning-2025"  # readable slugs stay as they were


@pytest.mark.parametrize("text", ['title: "bell\\a ring"', 'title: "half \\ud800 pair"',
                                  'description: "clear\\x1b[2J screen"'])
def test_control_characters_in_site_yaml_text_are_refused(site, text):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", HEAD.replace("title: T", "title: T\n" + text if not text.startswith("title")
                                         else text))
    result = site.run("build")
    assert result.exit_code == 2 and "contains control characters" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


@pytest.mark.parametrize("output", ["static/site", "templates/out", "static"])
def test_an_output_inside_static_or_templates_is_refused(site, output):
    site.write("dumps/a.txt", DUMP)
    site.write("static/extra.css", "body {}")
    site.write("templates/.keep", "")
    site.write("site.yaml", HEAD + f"output: {output}\n")
    result = site.run("build")
    assert result.exit_code == 2 and "site.yaml:5:" in result.output
    assert (site.root / "static/extra.css").read_text() == "body {}"


def test_a_config_that_is_not_a_file_is_refused_without_waiting(site):
    os.mkfifo(site.root / "pipe.yaml")
    result = site.run("check", "-c", "pipe.yaml")
    assert result.exit_code == 2 and "pipe.yaml is not a file" in result.output


def test_init_into_a_folder_that_cannot_be_written_is_a_message(tmp_path):
    from click.testing import CliRunner
    from sitegen.cli import main
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "file" / "digest")])
    assert result.exit_code == 2 and "cannot write" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_build_the_file_system_refuses_is_a_message_not_a_traceback(site, tmp_path):
    site.write("dumps/a.txt", DUMP)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    result = site.run("build", "-o", str(tmp_path / "blocked" / "site"))
    assert result.exit_code in (1, 2) and "blocked" in result.output
    assert (tmp_path / "blocked").read_text() == "a file where a folder should be"


def test_a_json_capture_with_half_a_utf16_pair_builds_with_a_replacement_character(site):
    """JSON may escape half of a UTF-16 pair alone (`\\ud800`): Python reads it as a lone
    surrogate, which no UTF-8 page can hold."""
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources:\n  - path: dumps/*.json\n")
    paper = {"id": "2401.00001", "title": "Spiking Networks \\ud800 Learn", "summary": "Spiking \\udfff neurons.",
             "publishedAt": "2024-01-02T00:00:00.000Z", "upvotes": 3, "authors": [{"name": "Ada \\ud83d"}]}
    site.write("dumps/a.json", json.dumps([{"paper": paper}]).replace("\\\\u", "\\u"))
    result = site.run("build")
    assert result.exit_code == 0, result.output
    page = (site.root / "_site" / "papers" / "spiking-networks-learn" / "index.html").read_text(encoding="utf-8")
    assert "Spiking Networks \ufffd Learn" in page and "Spiking \ufffd neurons." in page
    assert "\ufffd" in (site.root / "_site" / "papers.json").read_text(encoding="utf-8")


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes: Linux")
def test_a_dump_whose_file_name_is_not_utf8_builds_and_shows_the_name_escaped(site):
    site.write("site.yaml", HEAD)
    (site.root / "dumps").mkdir()
    with open(os.path.join(os.fsencode(site.root), b"dumps", b"caf\xe9.txt"), "w", encoding="utf-8") as dump:
        dump.write(DUMP)
    result = site.run("build")
    assert result.exit_code == 0, result.output
    page = (site.root / "_site" / "papers" / "spiking-networks-learn" / "index.html").read_text(encoding="utf-8")
    assert "<code>dumps/caf\\xe9.txt:" in page
