"""The content model: identity and slugs, dates, merging across dumps, topics."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ABSTRACT, full_dump
from sitegen.config import SiteConfig, Source, Topic
from sitegen.content.dumps import PartialDate, parse_dump
from sitegen.content.model import Paper, build_digest, resolve_date
from sitegen.content.topics import TopicMatcher
from sitegen.content.slugs import MAX_SLUG_LENGTH, slugify, title_key


def make_config(*topics: Topic, catch_all: Topic | None = None) -> SiteConfig:
    return SiteConfig(path=Path("/site/site.yaml"), title="T", base_url="https://example.org/",
                      output=Path("/site/_site"), sources=(), topics=topics,
                      **({"catch_all": catch_all} if catch_all else {}))


def digest_of(*dumps: tuple[str, str], config: SiteConfig | None = None,
              sources: dict[str, Source] | None = None):
    sources = sources or {}
    parsed = [(sources.get(name, Source(Path(name), name)), parse_dump(text, name))
              for name, text in dumps]
    return build_digest(config or make_config(), parsed)


# --- identity and slugs -----------------------------------------------------------

def test_titles_differing_in_case_punctuation_width_and_spacing_are_one_paper():
    variants = ["Need is All You Need: Homeostatic Networks", "need is all you need -- homeostatic  networks",
                "ＮＥＥＤ is all you need homeostatic networks!"]
    assert len({title_key(v) for v in variants}) == 1


def test_slug_is_readable_ascii_from_the_title():
    assert slugify("The Tensor Brain: Semantic Decoding for Perception and Memory") == \
        "the-tensor-brain-semantic-decoding-for-perception-and-memory"


def test_titles_that_slugify_alike_get_distinct_suffixes_from_the_title_itself():
    a, b = slugify("Café Networks"), slugify("Cafe Networks")
    assert a != b
    assert b == "cafe-networks" and a.startswith("cafe-networks-")
    assert slugify("Café Networks") == a  # the suffix is a function of the title alone


def test_long_titles_sharing_a_prefix_get_distinct_slugs_within_the_length_limit():
    prefix = "A very long title about spiking neural networks and their many applications in " * 2
    a, b = slugify(prefix + "vision"), slugify(prefix + "language")
    assert a != b and len(a) <= MAX_SLUG_LENGTH and len(b) <= MAX_SLUG_LENGTH


def test_title_without_letters_or_digits_still_gets_a_working_slug():
    assert slugify("???").startswith("paper-") and slugify("???") != slugify("!!!")


@given(st.text(max_size=300))
def test_any_title_gives_a_safe_slug(title):
    slug = slugify(title)
    assert slug and len(slug) <= MAX_SLUG_LENGTH
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-") and not slug.endswith("-") and ".." not in slug


def test_adding_a_dump_never_changes_an_existing_papers_slug():
    first = full_dump(("Spiking Networks Everywhere", ABSTRACT, "• 2 authors", "Jun 1"))
    second = full_dump(("Spiking networks, everywhere!", ABSTRACT, "• 2 authors", "Jun 1"),
                       ("Spiking Networks Everywhere?", ABSTRACT, "• 2 authors", "Jun 2"),
                       ("Spíking Networks Everywhere", ABSTRACT, "• 2 authors", "Jun 3"))
    alone = {p.key: p.slug for p in digest_of(("a.txt", first)).papers}
    together = {p.key: p.slug for p in digest_of(("b.txt", second), ("a.txt", first)).papers}
    for key, slug in alone.items():
        assert together[key] == slug
    assert len(set(together.values())) == len(together)


# --- dates ------------------------------------------------------------------------

def test_yearless_date_takes_the_capture_year():
    assert resolve_date(PartialDate(6, 12), dt.date(2025, 12, 9), 2025) == dt.date(2025, 6, 12)


def test_yearless_date_after_capture_belongs_to_previous_year():
    assert resolve_date(PartialDate(12, 20), dt.date(2025, 12, 9), 2025) == dt.date(2024, 12, 20)


def test_yearless_feb_29_goes_back_to_the_last_leap_year():
    assert resolve_date(PartialDate(2, 29), dt.date(2025, 3, 1), 2025) == dt.date(2024, 2, 29)


def test_capture_year_is_inferred_after_the_newest_explicit_year_with_a_warning():
    text = full_dump(("Old", ABSTRACT, "• 2 authors", "Nov 1, 2021"),
                     ("New", ABSTRACT, "• 2 authors", "Jun 12"), capture="Dec 9")
    digest = digest_of(("d.txt", text))
    assert {p.title: p.date for p in digest.papers}["New"] == dt.date(2022, 6, 12)
    assert any("assuming 2022" in d.message and d.line == 11 for d in digest.diagnostics)


def test_capture_date_from_site_yaml_wins_over_the_header_year_inference():
    text = full_dump(("New", ABSTRACT, "• 2 authors", "Jun 12"), capture="Dec 9")
    source = Source(Path("d.txt"), "d.txt", captured=dt.date(2025, 12, 9))
    digest = digest_of(("d.txt", text), sources={"d.txt": source})
    assert digest.papers[0].date == dt.date(2025, 6, 12)
    assert digest.diagnostics == []


def test_header_date_with_year_from_site_yaml():
    text = full_dump(("New", ABSTRACT, "• 2 authors", "Dec 20"), capture="Mar 11")
    source = Source(Path("d.txt"), "d.txt", year=2026)
    digest = digest_of(("d.txt", text), sources={"d.txt": source})
    assert digest.papers[0].date == dt.date(2025, 12, 20)


def test_paper_without_a_date_takes_the_capture_date_and_says_so():
    text = "new\nSubscribe\nMar 11\nA Title\n" + ABSTRACT + "\n"
    source = Source(Path("d.txt"), "d.txt", year=2026)
    paper = digest_of(("d.txt", text), sources={"d.txt": source}).papers[0]
    assert (paper.date, paper.date_source) == (dt.date(2026, 3, 11), "captured")


def test_paper_without_any_known_date_is_undated():
    digest = digest_of(("c.txt", f"A Title\n{ABSTRACT}\n"))
    assert digest.undated == digest.papers and digest.papers[0].date_source is None
    assert digest.days == {}


# --- merging ----------------------------------------------------------------------

def test_known_metadata_beats_missing_metadata_across_dumps():
    compact = f"Spiking Brains\n{ABSTRACT}\n"
    full = full_dump(("Spiking brains", ABSTRACT, "• 4 authors", "May 2, 2024 7"))
    digest = digest_of(("a.txt", compact), ("b.txt", full))
    [paper] = digest.papers
    assert (paper.title, paper.authors, paper.date, paper.upvotes) == (
        "Spiking Brains", 4, dt.date(2024, 5, 2), 7)
    assert paper.sources == ["a.txt:1", "b.txt:13"]
    assert paper.date_source == "published"


def test_conflicting_metadata_is_a_warning_naming_both_places():
    a = full_dump(("Spiking Brains", ABSTRACT, "• 4 authors", "May 2, 2024"))
    b = full_dump(("Spiking Brains", ABSTRACT, "• 5 authors", "May 2, 2024"))
    digest = digest_of(("a.txt", a), ("b.txt", b))
    assert digest.papers[0].authors == 4
    [conflict] = [d for d in digest.diagnostics if "conflicts" in d.message]
    assert (conflict.path, conflict.line) == ("b.txt", 13)
    assert conflict.message == "5 authors conflicts with 4 authors at a.txt:13; keeping 4 authors"


def test_upvotes_keep_the_highest_count():
    a = full_dump(("Spiking Brains", ABSTRACT, "• 4 authors", "May 2, 2024 3"))
    b = full_dump(("Spiking Brains", ABSTRACT, "• 4 authors", "May 2, 2024 9"))
    assert digest_of(("a.txt", a), ("b.txt", b)).papers[0].upvotes == 9


# --- topics -----------------------------------------------------------------------

SPIKING = Topic("spiking", "Spiking", match=("spiking", "neuromorph*"))
VISION = Topic("vision", "Vision", match=("visual cortex",))


def test_topic_rules_match_case_insensitively_on_whole_words():
    matcher = TopicMatcher([Topic("x", "X", match=("SNN", "visual  cortex", "neuromorph*", "black-box",
                                                    "sparse autoencoder*"))])
    for text in ("an snn model", "the Visual\ncortex", "Neuromorphic chips", "a black box model",
                 "black-box models", "Sparse Autoencoders (SAEs)"):
        assert matcher.match(text) == ["x"], text
    for text in ("SNNs", "a classnn", "visual-", "cortex visual", "sparse coding autoencoder",
                 "blackbox"):
        assert matcher.match(text) == [], text


def test_paper_gets_every_matching_topic_and_unmatched_papers_the_catch_all():
    text = (f"Spiking Models of Visual Cortex\n{ABSTRACT}\n"
            f"Protein Folding at Scale\nWe fold proteins. It works well.\n")
    config = make_config(SPIKING, VISION, catch_all=Topic("misc", "Miscellany"))
    papers = {p.title: p for p in digest_of(("d.txt", text), config=config).papers}
    assert papers["Spiking Models of Visual Cortex"].topics == ["spiking", "vision"]
    assert papers["Protein Folding at Scale"].topics == ["misc"]


def test_source_topics_apply_to_all_its_papers():
    text = "Protein Folding at Scale\nWe fold proteins. It works well.\n"
    source = Source(Path("d.txt"), "d.txt", topics=("vision",))
    digest = digest_of(("d.txt", text), config=make_config(SPIKING, VISION),
                       sources={"d.txt": source})
    assert digest.papers[0].topics == ["vision"]


def test_seed_ground_truth(seed_site):
    """249 entries, 208 distinct papers, 34 in more than one dump, 41 with metadata."""
    import json
    papers = json.loads((seed_site.output / "papers.json").read_text())
    assert len(papers) == 208
    assert sum(len(p["sources"]) for p in papers) == 249
    in_several = [p for p in papers if len({s.rsplit(":", 1)[0] for s in p["sources"]}) > 1]
    assert len(in_several) == 34
    assert sum(1 for p in papers if p["authors"] or p["organization"]) == 41


def test_shipped_topics_give_nine_in_ten_seed_papers_a_specific_topic(seed_site):
    import json
    import yaml
    config = yaml.safe_load((seed_site.root / "site.yaml").read_text())
    assert 6 <= len(config["topics"]) <= 12
    papers = json.loads((seed_site.output / "papers.json").read_text())
    catch_all = config["catch_all"]["slug"]
    specific = [p for p in papers if p["topics"] != [catch_all]]
    assert len(specific) / len(papers) >= 0.9


def test_similar_papers_with_none_one_and_texts_that_contain_the_marker_word():
    from sitegen.content.similar import similar_papers
    assert similar_papers({}).nearest == {}
    assert similar_papers({"a": ("Spiking", "spiking")}).nearest == {"a": []}
    found = similar_papers({
        "a": ("Spiking sitegenbreak0 networks", "Dendritic spiking in cortex sitegenbreak0."),
        "b": ("Spiking networks", "Dendritic spikes and cortex."),
        "c": ("Protein folding", "Unrelated chemistry."),
        "d": ("Café résumé", "naïve coöperation"),
        "e": ("Cafe resume", "naive cooperation"),
    }).nearest
    assert found["a"][0] == "b" and found["b"][0] == "a"
    assert found["d"] == ["e"] and found["e"] == ["d"]  # accents fold to the same words
    assert "c" not in found["a"]


SIMILAR_WORDS = ("spiking neurons cortex columns dendrites synapses language model tokens "
                 "protein folding chemistry graph molecules vision transformer image pixels "
                 "speech audio robot policy reward agent").split()


def _texts(seed: int, count: int) -> dict[str, tuple[str, str]]:
    import random
    pick = random.Random(seed)
    return {f"p{n:03}": (" ".join(pick.sample(SIMILAR_WORDS, 3)),
                         " ".join(pick.choices(SIMILAR_WORDS, k=12))) for n in range(count)}


def test_a_corrected_title_works_out_again_only_the_papers_near_it_and_gives_the_first_build_answer():
    from unittest import mock
    from sitegen.content import similar

    rows = []
    pair_scores = similar._pair_scores
    def counting(vectors, chosen):
        rows.append(len(chosen))
        return pair_scores(vectors, chosen)

    # Groups of six papers share a word; paper x shares nothing, until its corrected
    # title names group 3's word: x then leads the lists of group 3, whose papers are
    # not worked out again (that word's weight does not move from six papers to seven).
    papers = {f"g{group}-m{member}": (f"topic{group} title{group}x{member}",
                                      f"detail{group}x{member} topic{group}")
              for group in range(20) for member in range(6)}
    papers["x"] = ("lonely", "stranger")
    before = similar.similar_papers(papers)
    assert "x" not in before.nearest["g3-m2"] and before.nearest["x"] == []
    papers["x"] = ("topic3 topic3 lonely", "stranger topic3")
    with mock.patch.object(similar, "_pair_scores", counting):
        after = similar.similar_papers(papers, before)
    assert after.nearest == similar.similar_papers(papers).nearest
    assert all(after.nearest[f"g3-m{member}"][0] == "x" for member in range(6))
    assert sum(rows) == 1  # paper x alone


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_words_for_similar_papers_are_the_ascii_folded_runs_of_letters_and_digits(texts):
    import re
    import unicodedata
    from sitegen.content.similar import _words
    words, marker = _words(texts)
    joined = f" {marker} ".join(texts) + f" {marker}"
    folded = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode().lower()
    assert words == re.findall(r"[a-z0-9]+", folded)


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=127)))
def test_topic_words_are_the_runs_of_word_characters_case_folded(text):
    import re
    from sitegen.content.topics import words_of
    assert words_of(text) == re.findall(r"\w+", text.casefold())


@settings(deadline=None)  # a busy machine must not fail a test of correctness
@given(st.lists(st.tuples(st.sampled_from(["edit", "add", "remove"]), st.integers(0, 10**6)),
                min_size=1, max_size=6))
def test_similar_papers_worked_out_from_the_last_answer_equal_a_first_build(edits):
    import random
    from unittest import mock
    from sitegen.content import similar

    papers = _texts(0, 40)
    # A low cap moves words in and out of the vocabulary; no full redo however much changes.
    with mock.patch.object(similar, "MAX_DOCUMENT_FREQUENCY", 8), \
            mock.patch.object(similar, "INCREMENTAL_SHARE", 1.0):
        last = similar.similar_papers(papers)
        for kind, seed in edits:
            pick = random.Random(seed)
            slug = pick.choice(sorted(papers))
            if kind == "edit":
                papers[slug] = (" ".join(pick.sample(SIMILAR_WORDS, 3)), papers[slug][1])
            elif kind == "add":
                papers[f"n{seed}"] = tuple(" ".join(pick.choices(SIMILAR_WORDS, k=k)) for k in (3, 9))
            elif len(papers) > 2:
                del papers[slug]
            last = similar.similar_papers(papers, last)
            assert last.nearest == similar.similar_papers(papers).nearest


def test_topic_matches_handed_to_the_next_build_count_only_under_the_same_rules():
    spiking = (Topic("spiking", "Spiking", match=("spiking",)),)
    first = TopicMatcher(spiking)
    assert first.match("Spiking cells") == ["spiking"]
    known = first.known_matches()
    again = TopicMatcher(spiking)
    again.remember_matches(known)
    again._compiled = None  # a second look at the text would fail: the answer is remembered
    assert again.match("Spiking cells") == ["spiking"]
    other_rules = TopicMatcher((Topic("spiking", "Spiking", match=("neurons",)),))
    other_rules.remember_matches(known)
    assert other_rules.match("Spiking cells") == []


def test_similar_papers_come_from_the_cache_only_for_the_same_texts():
    from sitegen.build import add_similar_papers
    from sitegen.cache import BuildCache
    from sitegen.content.model import Digest

    def papers(third_abstract: str) -> Digest:
        texts = [("a", "Spiking neurons in cortex", "Spiking neurons fire in cortex columns."),
                 ("b", "Spiking cortex columns", "Columns of cortex with spiking neurons."),
                 ("c", "Language model tokens", third_abstract)]
        return Digest(papers=[Paper(key=slug, slug=slug, title=title, abstract=[abstract])
                              for slug, title, abstract in texts],
                      topics=[], days={}, undated=[], diagnostics=[])

    cache = BuildCache()
    before = add_similar_papers(papers("Tokens of a language model predict tokens."), cache=cache)
    after = add_similar_papers(papers("Cortex columns of spiking neurons."), cache=cache)
    fresh = add_similar_papers(papers("Cortex columns of spiking neurons."))
    assert after.similar == fresh.similar
    assert after.similar != before.similar
    again = add_similar_papers(papers("Cortex columns of spiking neurons."), cache=cache)
    assert again.similar == fresh.similar


def test_finding_similar_papers_leaves_the_model_it_was_given_as_it_was(seed_site):
    from sitegen.build import read_digest, with_similar_papers
    from sitegen.config import load_config

    digest = read_digest(load_config(seed_site.config))
    before = copy.deepcopy(digest)
    with_similar, _ = with_similar_papers(digest)
    assert digest == before and digest.similar == {}
    assert with_similar.papers is digest.papers
    assert set(with_similar.similar) == {paper.slug for paper in digest.papers}


# Scores a little apart that round to the same 12 places: their order goes to the lower paper.
SCORES = st.sampled_from([0.0, 1.0, 0.25, 0.5 - 3e-13, 0.5 - 1e-13, 0.5, 0.5 + 1e-13, 0.5 + 2e-13, 0.5 + 3e-13])


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 60), SCORES, st.integers(1, 3)),
                unique_by=lambda pair: pair[:2], max_size=300), st.randoms())
def test_the_nearest_of_each_paper_are_its_best_scores_with_ties_to_the_lower_paper(pairs, shuffle):
    import numpy as np
    from sitegen.content.similar import NEAREST, _best
    # As `_pair_scores` gives them: grouped by row, a pair once per word it shares (in any
    # order), a paper with itself scoring 0.
    given = [(row, other, score) for row, other, score, words in pairs for _ in range(words)]
    shuffle.shuffle(given)
    given.sort(key=lambda pair: pair[0])
    rows, others, scores = (np.array(values) for values in zip(*given)) if given else \
        (np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    chosen = list(zip(*(values.tolist() for values in _best(rows, others, scores))))
    expected = [(row, other, score) for row in sorted({row for row, _, score, _ in pairs if score > 0})
                for score, other in sorted((-np.round(score, 12), other) for r, other, score, _ in pairs
                                           if r == row and score > 0)[:NEAREST]]
    assert chosen == [(row, other, -score) for row, other, score in expected]


def test_scores_that_round_alike_rank_by_the_lower_paper_however_little_apart():
    import numpy as np
    from sitegen.content.similar import _best
    others = np.array([9, 8, 7, 6, 5, 1])
    scores = np.array([1.0, 0.5 + 3e-13, 0.5 + 2e-13, 0.5 + 1e-13, 0.5, 0.5 - 3e-13])
    rows, nearest, rounded = _best(np.zeros(6, dtype=int), others, scores)
    assert nearest.tolist() == [9, 1, 5, 6, 7] and rounded.tolist() == [1.0, 0.5, 0.5, 0.5, 0.5]


def test_pair_scores_added_up_a_few_rows_at_a_time_give_the_same_nearest_papers_and_scores():
    from unittest import mock
    from sitegen.content import similar
    papers = _texts(3, 60)
    whole = similar.similar_papers(papers)
    # Seven rows a block, three blocks a batch, the last block short.
    with mock.patch.object(similar, "BLOCK_CELLS", 7 * 60), mock.patch.object(similar, "BATCH_PRODUCTS", 8000):
        blocked = similar.similar_papers(papers)
    assert blocked.nearest == whole.nearest and blocked.scores == whole.scores


def test_words_counted_a_batch_of_papers_at_a_time_give_the_same_nearest_papers_and_scores():
    from unittest import mock
    from sitegen.content import similar
    papers = _texts(3, 60)
    whole = similar.similar_papers(papers)
    with mock.patch.object(similar, "PAPERS_PER_COUNT", 7):
        batched = similar.similar_papers(papers)
    assert batched.nearest == whole.nearest and batched.scores == whole.scores
