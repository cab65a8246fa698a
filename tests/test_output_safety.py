"""The output folder: nothing of the user's is ever deleted, one build at a time writes it,
and whatever a killed build left is put right by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from helpers import ABSTRACT, full_dump

from sitegen.output import BUILD_MARKER, MARKER_TEXT, build_lock

DUMP = full_dump(("Spiking Networks Learn", ABSTRACT, "• 2 authors", "Jun 12, 2025 3"),
                 ("Retina Models Predict", ABSTRACT, "• 3 authors", "Jun 13, 2025 5"))


def sitegen(site, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real program, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=site.root, capture_output=True,
                          text=True, timeout=timeout)


def dead_pid() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_a_hand_made_pages_folder_with_nojekyll_is_never_replaced(site):
    site.write("dumps/a.txt", DUMP)
    site.write("docs/about.md", "mine")
    site.write("docs/.nojekyll", "")
    result = site.run("build", "-o", "docs")
    assert result.exit_code == 2, result.output
    assert "docs/about.md" in result.output and "refusing" in result.output.lower()
    assert (site.root / "docs/about.md").read_text() == "mine"
    assert sorted(path.name for path in (site.root / "docs").iterdir()) == [".nojekyll", "about.md"]
    assert not list(site.root.glob(".docs.*"))


def test_a_folder_of_the_users_named_in_site_yaml_is_refused_too(site):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", site.config.read_text() + "output: public\n")
    site.write("public/keep/notes.txt", "mine")
    result = site.run("build")
    assert result.exit_code == 2 and "public/keep/notes.txt" in result.output
    assert (site.root / "public/keep/notes.txt").read_text() == "mine"


def test_an_empty_folder_or_a_folder_sitegen_built_is_replaced(site):
    site.write("dumps/a.txt", DUMP)
    (site.root / "docs").mkdir()
    site.build("-o", "docs")
    assert (site.root / "docs" / BUILD_MARKER).read_text() == MARKER_TEXT
    site.build("-o", "docs", "--no-cache")
    assert (site.root / "docs/index.html").is_file()


def test_a_marker_with_other_content_is_not_ours(site):
    site.write("dumps/a.txt", DUMP)
    site.write("docs/" + BUILD_MARKER, "something else")
    site.write("docs/index.html", "my page")
    assert site.run("build", "-o", "docs").exit_code == 2
    assert (site.root / "docs/index.html").read_text() == "my page"


def test_cleanup_deletes_only_folders_sitegen_made_itself(site):
    site.write("dumps/a.txt", DUMP)
    mine = ["._site.old", "._site.old-backup-2024", "._site.building-notes", "._site.updating",
            f"._site.old-{dead_pid()}x", "._site.spare-parts", "._site.building-1-notes"]
    for name in mine:
        site.write(f"{name}/notes.txt", name)
    not_ours = site.root / f"._site.old-{dead_pid()}"  # our name, but not our marker
    (not_ours / "papers").mkdir(parents=True)
    (not_ours / "papers" / "draft.md").write_text("draft")
    site.build()
    site.build("--no-cache")
    for name in mine:
        assert (site.root / name / "notes.txt").read_text() == name
    assert (not_ours / "papers" / "draft.md").read_text() == "draft"


def test_what_killed_builds_left_is_deleted_by_the_next(site):
    from sitegen.output import remove_leftovers
    site.write("dumps/a.txt", DUMP)
    site.build()
    leftovers = [site.root / f"._site.building-{dead_pid()}", site.root / f"._site.updating-{dead_pid()}",
                 site.root / f"._site.old-{dead_pid()}.deleting-{dead_pid()}"]
    for folder in leftovers:
        (folder / "papers").mkdir(parents=True)
        (folder / BUILD_MARKER).write_text(MARKER_TEXT)
    empty = site.root / f"._site.building-{dead_pid()}"
    empty.mkdir()  # killed right after making it
    remove_leftovers(site.output)
    assert not any(folder.exists() for folder in [*leftovers, empty])


def test_a_leftover_named_with_an_id_no_process_can_have_is_deleted_too(site):
    site.write("dumps/a.txt", DUMP)
    (site.root / "._site.building-99999999999").mkdir()  # past what os.kill takes
    result = sitegen(site, "build", "-q")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert not (site.root / "._site.building-99999999999").exists()


def test_a_build_killed_between_its_two_renames_leaves_a_site_the_next_build_finds(site):
    site.write("dumps/a.txt", DUMP)
    site.build()
    before = sorted(path.relative_to(site.output).as_posix() for path in site.output.rglob("*"))
    swapped_out = site.root / f"._site.old-{dead_pid()}"
    site.output.rename(swapped_out)  # where SIGKILL between the renames leaves it
    site.build()
    after = sorted(path.relative_to(site.output).as_posix() for path in site.output.rglob("*"))
    assert after == before
    assert not swapped_out.exists()
    assert sorted(path.name for path in site.root.iterdir() if path.name.startswith("._site")) == []


def test_an_empty_folder_a_killed_build_left_in_the_site_is_removed_next_time(site):
    site.write("dumps/a.txt", DUMP)
    site.write("dumps/b.txt", full_dump(("Cortex Maps", ABSTRACT, "• 2 authors", "Jul 2, 2025 1")))
    site.build()
    day, month = site.output / "days/2025-07-02", site.output / "days/2025-07"
    assert (day / "index.html").is_file()
    (site.root / "dumps/b.txt").unlink()
    (day / "index.html").unlink()  # a kill after the gone page was moved out, before its folder went
    site.build()
    assert not day.exists() and not month.exists()
    assert (site.output / "days/2025-06-12/index.html").is_file()


def test_a_glob_over_the_whole_project_does_not_read_the_site_it_built(site):
    site.write("dumps/a.txt", DUMP)
    site.write("site.yaml", site.config.read_text().replace("dumps/*.txt", '"**/*.txt"'))
    first = site.build()
    second = site.build()
    third = site.build("--no-cache")
    assert "robots.txt" not in second.output + third.output
    assert "1 source" in first.output and "1 source" in second.output and "1 source" in third.output


def test_a_second_build_of_the_same_folder_stops_with_a_message(site):
    site.write("dumps/a.txt", DUMP)
    with build_lock(site.output):  # held by this process: the program is another
        result = sitegen(site, "build")
    assert result.returncode == 1, result.stderr
    assert "another build is running" in result.stderr and str(os.getpid()) in result.stderr
    assert "Traceback" not in result.stderr
    assert not site.output.exists()


def test_a_stale_lock_of_a_killed_build_is_taken_over(site):
    site.write("dumps/a.txt", DUMP)
    site.write("._site.lock", f"{dead_pid()}\n")
    result = sitegen(site, "build")
    assert result.returncode == 0, result.stderr
    assert not (site.root / "._site.lock").exists()


def test_builds_started_together_never_crash_nor_damage_the_site(site):
    site.write("dumps/a.txt", DUMP)
    site.build()
    for round_ in range(4):
        site.write("dumps/a.txt", DUMP.replace("Learn", f"Learn {round_}"))
        command = [sys.executable, "-m", "sitegen", "build", "--quiet"]
        runs = [subprocess.Popen(command, cwd=site.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(3)]
        outcomes = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
        for run in runs:
            run.stdout.close()
            run.stderr.close()
        for code, errors in outcomes:
            assert "Traceback" not in errors
            assert code == 0 or (code == 1 and "another build is running" in errors), errors
        assert any(code == 0 for code, _ in outcomes)
    deadline = time.monotonic() + 20
    while any(path.name.startswith("._site.") for path in site.root.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # a replaced site may still be being deleted
    assert [path.name for path in site.root.iterdir() if path.name.startswith("._site.")] in ([], ["._site.spare"])
    assert site.build().exit_code == 0
    assert "Spiking Networks Learn 3" in (site.output / "index.html").read_text()
