"""site.yaml validation and the command line's exit codes: clear messages, no tracebacks."""

from __future__ import annotations

from helpers import ABSTRACT

GOOD_DUMP = f"Spiking Title\n{ABSTRACT}\n"


def test_typo_in_a_key_is_an_error_naming_it_with_a_suggestion_and_line(site):
    site.write("dumps/a.txt", GOOD_DUMP)
    site.write("site.yaml", """
        title: T
        base_url: https://example.org/
        sorces:
          - dumps/a.txt
    """)
    result = site.run("build")
    assert result.exit_code == 2
    assert "site.yaml:3: error: unknown key 'sorces' (did you mean 'sources'?)" in result.output
    assert "missing required key 'sources'" in result.output
    assert "Traceback" not in result.output
    assert not site.output.exists()


def test_every_problem_is_reported_at_once(site):
    site.write("site.yaml", """
        title: [not, a, string]
        base_url: ftp://example.org
        per_page: -3
        sources:
          - path: dumps/missing-*.txt
            captured: last tuesday
            topics: [spikng]
        topics:
          - slug: Spiking Nets
            name: Spiking
            match: []
    """)
    result = site.run("check")
    assert result.exit_code == 2
    for expected in ("site.yaml:1: error: title must be a non-empty string",
                     "site.yaml:2: error: base_url 'ftp://example.org' must be an absolute http(s) URL",
                     "site.yaml:3: error: per_page must be a whole number of at least 1",
                     "site.yaml:5: error: sources[0].path 'dumps/missing-*.txt' matches no file",
                     "site.yaml:6: error: sources[0].captured must be a date written YYYY-MM-DD",
                     "site.yaml:7: error: sources[0].topics: unknown topic 'spikng'",
                     "site.yaml:9: error: topics[0].slug 'Spiking Nets' must be lowercase",
                     "site.yaml:11: error: topics[0].match needs at least one word or phrase"):
        assert expected in result.output
    assert "8 problems in the configuration" in result.output


def test_yaml_syntax_error_shows_line_and_column(site):
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources: [dumps/a.txt\n")
    result = site.run("build")
    assert result.exit_code == 2
    assert "site.yaml:4:1: YAML syntax error" in result.output


def test_missing_config_file_is_a_usage_error(site):
    result = site.run("build", "-c", "nope.yaml")
    assert result.exit_code == 2
    assert "no config file at nope.yaml" in result.output


def test_unknown_option_is_a_usage_error(site):
    assert site.run("build", "--frobnicate").exit_code == 2


def test_bad_base_url_override_is_a_usage_error(site):
    site.write("dumps/a.txt", GOOD_DUMP)
    result = site.run("build", "--base-url", "not a url")
    assert result.exit_code == 2
    assert "--base-url 'not a url' is not an absolute http(s) URL" in result.output


def test_output_that_would_contain_the_sources_is_refused(site):
    site.write("dumps/a.txt", GOOD_DUMP)
    result = site.run("build", "-o", ".")
    assert result.exit_code == 2
    assert "choose a folder of its own" in result.output
    assert (site.root / "dumps/a.txt").exists()


def test_existing_folder_not_written_by_sitegen_is_never_replaced(site):
    site.write("dumps/a.txt", GOOD_DUMP)
    site.write("precious/notes.md", "my notes")
    result = site.run("build", "-o", "precious")
    assert result.exit_code == 2
    assert "was not written by sitegen" in result.output
    assert "would delete precious/notes.md" in result.output
    assert (site.root / "precious/notes.md").read_text() == "my notes"


def test_warnings_print_path_and_line_and_fail_only_under_strict(site):
    site.write("dumps/a.txt", f"Spiking Title\n{ABSTRACT}\nLonely last title\n")
    result = site.run("build")
    assert result.exit_code == 0
    assert "dumps/a.txt:3: warning: title has no abstract: Lonely last title" in result.output
    assert "1 warning" in result.output

    strict = site.run("build", "--strict")
    assert strict.exit_code == 1
    assert "dumps/a.txt:3: warning: title has no abstract" in strict.output
    assert "--strict" in strict.output


def test_check_writes_nothing_and_prints_a_summary(site):
    site.write("dumps/a.txt", GOOD_DUMP)
    result = site.run("check")
    assert result.exit_code == 0, result.output
    assert "Checked: 1 source, 1 entry, 1 paper," in result.output
    assert not site.output.exists()


def test_dump_that_cannot_be_read_is_a_warning_and_the_build_goes_on(site):
    from sitegen.build import build
    from sitegen.config import load_config
    site.write("dumps/a.txt", GOOD_DUMP)
    site.write("dumps/b.txt", GOOD_DUMP.replace("Spiking Title", "Another Title"))
    config = load_config(site.config)
    (site.root / "dumps/b.txt").unlink()  # gone between validation and reading
    report = build(config)
    assert [str(d) for d in report.warnings] == [
        "dumps/b.txt: warning: cannot read the dump: No such file or directory; skipped"]
    assert len(report.digest.papers) == 1
    assert (site.output / "index.html").exists()


def test_help_lists_the_commands():
    from click.testing import CliRunner
    from sitegen.cli import main
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "build" in result.output and "check" in result.output


def test_sources_that_are_not_a_list_are_reported_once(site):
    site.write("site.yaml", "title: T\nbase_url: https://example.org/\nsources: dumps/a.txt\n")
    result = site.run("check")
    assert result.exit_code == 2
    assert result.output.count("sources must be a list") == 1
