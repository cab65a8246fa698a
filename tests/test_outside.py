"""Nothing outside the project folder is read or published unless site.yaml says
`allow_outside: true`: not through `sources:`, not through a symbolic link."""

from __future__ import annotations

import pytest

from helpers import ABSTRACT, full_dump

DUMP = full_dump(("Spiking Networks Learn", ABSTRACT, "• 2 authors", "Jun 12, 2025 3"))


@pytest.fixture
def outside(tmp_path):
    """A folder beside the project with a file the user never meant to publish."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.txt").write_text("SECRET=hunter2\n")
    (folder / "dump.txt").write_text(full_dump(("Secret Paper Title", ABSTRACT, "• 1 author", "Jun 1, 2025 1")))
    return folder


def published(site) -> str:
    return "".join(path.read_text(errors="replace") for path in site.output.rglob("*") if path.is_file()) \
        if site.output.exists() else ""


@pytest.mark.parametrize("link, target", [("static/notes.txt", "secret.txt"),
                                          ("static/deep/er/notes.txt", "secret.txt"),
                                          ("templates/paper.html", "secret.txt"),
                                          ("static/shared", ".")])
def test_a_symbolic_link_out_of_the_project_is_refused_with_a_message(site, outside, link, target):
    site.write("dumps/a.txt", DUMP)
    path = site.root / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(outside / target)
    result = site.run("build")
    assert result.exit_code == 2, result.output
    assert f"{link}: error: a symbolic link to {(outside / target).resolve()}, outside the project" \
        in result.output
    assert "allow_outside: true" in result.output
    assert "hunter2" not in published(site)


def test_the_static_folder_itself_linked_out_of_the_project_is_refused(site, outside):
    site.write("dumps/a.txt", DUMP)
    (site.root / "static").symlink_to(outside, target_is_directory=True)
    result = site.run("build")
    assert result.exit_code == 2 and "static: error: a symbolic link" in result.output


def test_etc_passwd_linked_into_static_is_never_published(site):
    site.write("dumps/a.txt", DUMP)
    (site.root / "static").mkdir()
    (site.root / "static" / "notes.txt").symlink_to("/etc/passwd")
    result = site.run("build")
    assert result.exit_code == 2 and "static/notes.txt" in result.output
    assert not site.output.exists()


@pytest.mark.parametrize("pattern", ["/etc/passwd", "../elsewhere/dump.txt", "/proc/self/environ",
                                     "../elsewhere/*.txt", "~/.bashrc", "dumps/../../elsewhere/dump.txt"])
def test_sources_outside_the_project_are_refused(site, outside, pattern):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", site.config.read_text().replace("dumps/*.txt", f"'{pattern}'"))
    result = site.run("build")
    assert result.exit_code == 2, result.output
    assert "site.yaml:5: error: sources[0].path" in result.output
    assert "outside the project folder" in result.output and "allow_outside: true" in result.output
    assert not site.output.exists()


def test_a_dump_linked_out_of_the_project_is_refused(site, outside):
    site.write("dumps/a.txt", DUMP)
    (site.root / "dumps" / "b.txt").symlink_to(outside / "dump.txt")
    result = site.run("build")
    assert result.exit_code == 2
    assert "sources[0].path: dumps/b.txt leads to" in result.output
    assert "Secret Paper Title" not in published(site)


def test_allow_outside_true_reads_and_publishes_what_the_user_named(site, outside):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", site.config.read_text().replace(
        "  - path: dumps/*.txt\n", "  - path: dumps/*.txt\n  - path: ../elsewhere/dump.txt\n")
        + "allow_outside: true\n")
    (site.root / "static").mkdir()
    (site.root / "static" / "notes.txt").symlink_to(outside / "secret.txt")
    site.build()
    assert (site.output / "static/notes.txt").read_text() == "SECRET=hunter2\n"
    assert "Secret Paper Title" in (site.output / "index.html").read_text()


def test_allow_outside_must_be_true_or_false(site):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", site.config.read_text() + "allow_outside: please\n")
    result = site.run("check")
    assert result.exit_code == 2 and "allow_outside must be true or false" in result.output


def test_a_link_inside_the_project_is_fine(site):
    site.write("dumps/a.txt", DUMP)
    site.write("assets/logo.svg", "<svg/>")
    (site.root / "static").mkdir()
    (site.root / "static" / "logo.svg").symlink_to(site.root / "assets" / "logo.svg")
    (site.root / "dumps" / "again.txt").symlink_to(site.root / "dumps" / "a.txt")
    result = site.build()
    assert (site.output / "static/logo.svg").read_text() == "<svg/>"
    assert "already listed" in result.output
