"""The dump parser: the three seed formats, messy variants, and never crashing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ABSTRACT, full_dump
from conftest import SEEDS
from sitegen.content.dumps import PartialDate, parse_dump, parse_dump_bytes

LONG_ABSTRACT = ABSTRACT + " " + ABSTRACT


def parse_seed(name: str):
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return parse_dump_bytes(path.read_bytes(), path.name)


def test_full_seed_has_metadata_for_every_entry():
    dump = parse_seed("000")
    assert len(dump.entries) == 41
    assert all(entry.has_metadata for entry in dump.entries)
    assert dump.header_date == PartialDate(12, 9)
    assert dump.diagnostics == []


def test_full_seed_reads_authors_organisations_dates_and_upvotes():
    entries = {entry.title: entry for entry in parse_seed("000").entries}
    first = entries["Decomposing MLP Activations into Interpretable Features via "
                    "Semi-Nonnegative Matrix Factorization"]
    assert (first.authors, first.date, first.upvotes) == (3, PartialDate(6, 12), 2)
    dragon = entries["The Dragon Hatchling: The Missing Link between the Transformer and "
                     "Models of the Brain"]
    assert (dragon.org_account, dragon.org_name) == ("pathwaycom", "Pathway")
    assert (dragon.date, dragon.upvotes, dragon.authors) == (PartialDate(9, 30), 27, None)
    sakana = entries["Continuous Thought Machines"]
    assert (sakana.org_account, sakana.org_name) == ("SakanaAI", "Sakana AI")
    older = entries["Deep neural networks as nested dynamical systems"]
    assert (older.date, older.upvotes) == (PartialDate(11, 1, 2021), None)


def test_compact_seed_unglues_first_title_from_the_header():
    dump = parse_seed("001")
    assert len(dump.entries) == 147
    assert dump.entries[0].title.startswith("How do neurons operate on sparse distributed")
    assert dump.entries[0].line == 3
    assert dump.header_date is None
    assert not any(entry.has_metadata for entry in dump.entries)
    assert all(entry.abstract for entry in dump.entries)


def test_blank_separated_seed_reads_capture_date_and_blocks():
    dump = parse_seed("002")
    assert len(dump.entries) == 61
    assert dump.header_date == PartialDate(3, 11)
    assert dump.entries[-1].title == "Activation Space Selectable Kolmogorov-Arnold Networks"
    assert dump.diagnostics == []


def test_crlf_bom_trailing_spaces_and_no_final_newline_parse_like_clean_text():
    clean = full_dump(("A Spiking Title", ABSTRACT, "• 2 authors", "Jun 12 4"))
    messy = "\ufeff" + clean.replace("\n", "  \r\n").rstrip()
    a, b = parse_dump(clean, "a.txt"), parse_dump_bytes(messy.encode("utf-8"), "b.txt")
    assert [(e.title, e.abstract, e.authors, e.date, e.upvotes) for e in a.entries] == \
           [(e.title, e.abstract, e.authors, e.date, e.upvotes) for e in b.entries]
    assert b.entries[0].upvotes == 4 and b.diagnostics == []


def test_last_title_without_abstract_is_kept_and_reported():
    dump = parse_dump(f"First title\n{ABSTRACT}\nSecond title, alone at the end\n", "d.txt")
    assert [entry.title for entry in dump.entries] == ["First title", "Second title, alone at the end"]
    assert dump.entries[1].abstract == []
    assert [str(d) for d in dump.diagnostics] == [
        "d.txt:3: warning: title has no abstract: Second title, alone at the end"]


def test_title_missing_its_abstract_mid_file_does_not_shift_the_rest():
    text = f"Title one\nTitle two has lost its abstract\nTitle three\n{ABSTRACT}\nTitle four\n{ABSTRACT}\n"
    dump = parse_dump(text, "d.txt")
    assert [e.title for e in dump.entries] == ["Title one", "Title two has lost its abstract",
                                               "Title three", "Title four"]
    assert [bool(e.abstract) for e in dump.entries] == [False, False, True, True]
    assert {d.line for d in dump.diagnostics} == {1, 2}


def test_short_abstract_stays_an_abstract():
    dump = parse_dump(f"Title one\nA short abstract.\nTitle two\n{ABSTRACT}\n", "d.txt")
    assert [(e.title, e.abstract) for e in dump.entries] == [
        ("Title one", ["A short abstract."]), ("Title two", [ABSTRACT])]


def test_abstract_split_into_paragraphs_stays_with_its_paper():
    dump = parse_dump(f"Title one\n\n{ABSTRACT}\n\n{LONG_ABSTRACT}\n\nTitle two\n\n{ABSTRACT}\n", "d.txt")
    assert [len(e.abstract) for e in dump.entries] == [2, 1]


def test_bytes_that_are_not_utf8_are_replaced_and_reported_with_their_line():
    data = f"Title one\n{ABSTRACT}\nCaf\u00e9 title\n{ABSTRACT}\n".encode("utf-8").replace(b"one", b"one \xff")
    dump = parse_dump_bytes(data, "stray.txt")
    assert [e.title for e in dump.entries] == ["Title one \ufffd", "Caf\u00e9 title"]
    assert [str(d) for d in dump.diagnostics] == [
        "stray.txt:1: warning: bytes that are not UTF-8 were replaced with U+FFFD"]


def test_text_with_no_utf8_in_it_is_read_as_windows_1252_and_says_so():
    data = f"Title one\n{ABSTRACT}\nCaf\u00e9 \u201ctitle\u201d \u00b7 two\n{ABSTRACT}\n".encode("cp1252")
    dump = parse_dump_bytes(data, "ansi.txt")
    assert dump.entries[1].title == "Caf\u00e9 \u201ctitle\u201d \u00b7 two"
    assert [str(d) for d in dump.diagnostics] == ["ansi.txt:3: warning: not UTF-8: read as Windows-1252"]


def test_empty_and_header_only_files_have_no_entries_and_no_crash():
    assert parse_dump("", "e.txt").entries == []
    header_only = parse_dump("new\n\nSubscribe\n\nDaily Papers\n\nDec 9\n", "h.txt")
    assert header_only.entries == [] and header_only.header_date == PartialDate(12, 9)


def test_control_characters_are_removed_and_reported():
    dump = parse_dump(f"Bell\x07 title\n{ABSTRACT}\n", "c.txt")
    assert dump.entries[0].title == "Bell title"
    assert [d.line for d in dump.diagnostics] == [1]


def test_metadata_with_organisation_and_full_date_with_upvotes():
    text = full_dump(("Org paper", ABSTRACT, "OpenLab Open Lab", "Nov 1, 2021 12"))
    entry = parse_dump(text, "o.txt").entries[0]
    assert (entry.org_account, entry.org_name, entry.date, entry.upvotes) == (
        "OpenLab", "Open Lab", PartialDate(11, 1, 2021), 12)


def test_line_numbers_point_at_the_title_and_date_lines():
    text = full_dump(("Paper A", ABSTRACT, "• 1 authors", "Jan 5"))
    entry = parse_dump(text, "n.txt").entries[0]
    lines = text.split("\n")
    assert lines[entry.line - 1] == "Paper A"
    assert lines[entry.date_line - 1] == "Jan 5"


def test_impossible_date_is_not_taken_as_a_date():
    dump = parse_dump(full_dump(("Paper A", ABSTRACT, "• 1 authors", "Feb 31")), "x.txt")
    assert dump.entries[0].date is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_parser(data):
    dump = parse_dump_bytes(data, "fuzz.txt")
    for entry in dump.entries:
        assert entry.title.strip() == entry.title and entry.title


LINE_PARTS = st.sampled_from(["new", "Subscribe", "Daily Papers", "·", "  • 3 authors", "Jun 12 2",
                              "Nov 1, 2021", "Dec 9", "SubscribeTitle", "", "OrgName Org Name",
                              ABSTRACT, "A Title: With Colon", "\r", "\ufeff", "\x00"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(LINE_PARTS, st.text(max_size=80)), max_size=60))
def test_arbitrary_mixes_of_dump_lines_never_crash_the_parser(lines):
    dump = parse_dump("\n".join(lines), "fuzz.txt")
    assert all(d.path == "fuzz.txt" for d in dump.diagnostics)


def test_an_entry_pickled_for_the_build_cache_keeps_every_field():
    import dataclasses
    import pickle

    from sitegen.content.dumps import Entry, PartialDate

    values = {"title": "T", "line": 3, "abstract": ["A."], "date": PartialDate(5, 1, 2024),
              "org_account": "acct", "org_name": "Org"}
    entry = Entry(**{field.name: values.get(field.name, len(field.name)) for field in dataclasses.fields(Entry)})
    copy = pickle.loads(pickle.dumps(entry))
    assert copy == entry and all(getattr(copy, field.name) == getattr(entry, field.name)
                                 for field in dataclasses.fields(Entry))
    assert pickle.loads(pickle.dumps(PartialDate(2, 29))) == PartialDate(2, 29)
