"""Topic rules: scores, the kinds of rule, how a paper's topics are chosen, the report
that explains them, their configuration errors, and the shipped digest's topic pages."""

from __future__ import annotations

import json
import os

import pytest

from sitegen.config import Topic
from sitegen.content.topics import Hit, TopicRules, choose_topics

from test_model import digest_of, make_config


def scores(topics, title="", abstract=""):
    return {score.slug: score for score in TopicRules(topics).score(title, abstract)}


def chosen(topics, title="", abstract="", max_topics=3):
    return list(choose_topics(TopicRules(topics).score(title, abstract), max_topics))


SPIKING = Topic("spiking", "Spiking", strong=("spiking",), weak=("spike*",))
PLASTICITY = Topic("plasticity", "Plasticity", strong=("Hebbian",), weak=("local learning",))


# --- scores -----------------------------------------------------------------------

def test_a_title_mention_counts_three_times_an_abstract_mention():
    assert scores([SPIKING], abstract="A spiking model.")["spiking"].score == 2
    assert scores([SPIKING], title="Spiking Models")["spiking"].score == 6
    assert scores([SPIKING], title="Spikes", abstract="spikes")["spiking"].score == 4


def test_repeated_mentions_count_more_than_one():
    once = scores([SPIKING], abstract="A spiking model.")["spiking"]
    text = "Spiking cells, spiking nets and spiking chips."
    thrice = scores([SPIKING], abstract=text)["spiking"]
    assert (once.score, thrice.score) == (2, 6)
    assert TopicRules([SPIKING]).hits("", text) == {"spiking": (Hit("spiking", "strong", 0, 3),)}


def test_one_strong_mention_anywhere_is_enough():
    assert chosen([SPIKING], abstract="In passing, a spiking model.") == ["spiking"]


def test_a_weak_rule_needs_the_title_or_two_mentions():
    assert scores([SPIKING], abstract="Each spike counts.")["spiking"].matches is False
    assert chosen([SPIKING], abstract="Each spike counts, each spike.") == ["spiking"]
    assert chosen([SPIKING], title="Spike Timing", abstract="Nothing else.") == ["spiking"]


def test_match_rules_are_strong_and_work_as_they_always_did():
    old = Topic("vision", "Vision", match=("visual cortex", "retina*"))
    assert chosen([old], abstract="Once, in the visual cortex.") == ["vision"]
    assert chosen([old], abstract="Retinal ganglion cells.") == ["vision"]
    assert chosen([old], abstract="A cortex, visual and otherwise.") == []


def test_requires_keeps_a_topic_from_papers_without_its_context():
    brain = Topic("decoding", "Decoding", strong=("decoding",), requires=("brain*", "fMRI"))
    assert chosen([brain], abstract="Speculative decoding for language models.") == []
    assert scores([brain], abstract="Speculative decoding.")["decoding"].context is False
    assert chosen([brain], abstract="Decoding images from fMRI.") == ["decoding"]
    assert chosen([brain], title="Brain Decoding") == ["decoding"]


def test_excluded_phrases_do_not_count_for_their_topic():
    representation = Topic("representation", "Representation", strong=("autoencoder*",),
                           exclude=("sparse autoencoder*",))
    interpretability = Topic("interpretability", "Interpretability", strong=("sparse autoencoder*",))
    text = "We train sparse autoencoders on a language model; sparse autoencoders find features."
    assert chosen([representation, interpretability], abstract=text) == ["interpretability"]
    assert "representation" not in scores([representation], abstract=text)
    assert chosen([representation], abstract=text + " A variational autoencoder too.") == ["representation"]
    assert TopicRules([representation]).hits("Sparse autoencoders", text + " A variational autoencoder.") == {
        "representation": (Hit("autoencoder*", "strong", 0, 1),)}


def test_each_rule_counts_its_own_mentions():
    topic = Topic("interp", "Interp", strong=("mechanistic interpretability",), weak=("interpretab*",))
    text = "Mechanistic interpretability, and interpretable models."
    assert scores([topic], abstract=text)["interp"].score == 2 + 2
    assert TopicRules([topic]).hits("", text)["interp"] == (
        Hit("mechanistic interpretability", "strong", 0, 1), Hit("interpretab*", "weak", 0, 2))


def test_rules_match_whole_words_in_any_case_and_ignore_punctuation_between_words():
    topic = Topic("x", "X", strong=("SNN", "black-box", "neuromorph*"))
    for text in ("an snn model", "a black box model", "Black-box models", "Neuromorphic chips",
                 "black, box", "black (-) box", "black -- box", "black \u2014 (box)", "BLACK.\n\n...BOX"):
        assert chosen([topic], abstract=text) == ["x"], text
    for text in ("SNNs", "a classnn", "blackbox", "neuro morphic"):
        assert chosen([topic], abstract=text) == [], text


# --- choosing a paper's topics ----------------------------------------------------

THREE = [Topic("a", "A", strong=("alpha",)), Topic("b", "B", strong=("beta",)),
         Topic("c", "C", strong=("gamma",))]


def test_a_paper_keeps_its_best_topics_up_to_max_topics_in_configuration_order():
    text = "gamma gamma gamma, beta beta, alpha alpha"
    assert chosen(THREE, abstract=text, max_topics=3) == ["a", "b", "c"]
    assert chosen(THREE, abstract=text, max_topics=2) == ["a", "c"]  # a and b tie: the earlier
    assert chosen(THREE, abstract=text, max_topics=1) == ["c"]


def test_topics_under_half_the_best_score_are_dropped():
    assert chosen(THREE, abstract="gamma gamma gamma gamma gamma, alpha") == ["c"]
    assert chosen(THREE, abstract="gamma gamma, alpha") == ["a", "c"]


def test_a_near_miss_falls_back_to_the_best_scoring_topic_before_the_catch_all():
    weak = [Topic("a", "A", weak=("alpha",)), Topic("b", "B", weak=("beta",), requires=("context",))]
    assert chosen(weak, abstract="Only one alpha here.") == ["a"]
    assert chosen(weak, abstract="One beta, and nothing around it.") == []
    assert chosen(weak, abstract="One beta in context, one alpha.") == ["a"]  # a tie: the earlier
    assert chosen(weak, title="Beta", abstract="alpha, nothing around it") == ["a"]
    assert chosen(weak, abstract="Nothing at all.") == []


def test_papers_without_any_mention_go_to_the_catch_all_and_source_topics_are_kept():
    from pathlib import Path
    from sitegen.config import Source
    config = make_config(SPIKING, PLASTICITY, catch_all=Topic("misc", "Misc"))
    text = ("Spiking Models\nWe study spiking neurons.\n"
            "Protein Folding at Scale\nWe fold proteins.\n"
            "A Spike or Two\nOne spike, then another idea.\n")
    papers = {p.title: p.topics for p in digest_of(("d.txt", text), config=config).papers}
    assert papers == {"Spiking Models": ["spiking"], "Protein Folding at Scale": ["misc"],
                      "A Spike or Two": ["spiking"]}
    given = Source(Path("d.txt"), "d.txt", topics=("plasticity",))
    papers = {p.title: p.topics for p in digest_of(("d.txt", text), config=config,
                                                   sources={"d.txt": given}).papers}
    assert papers["Protein Folding at Scale"] == ["plasticity"]
    assert papers["Spiking Models"] == ["spiking", "plasticity"]


# --- configuration ----------------------------------------------------------------

RULES_SITE = """
title: T
base_url: https://example.org/
sources: [dumps/a.txt]
max_topics: 1
topics:
  - slug: spiking
    name: Spiking
    strong: [spiking]
    weak: [spike*]
    requires: [neuron*]
    exclude: [spike sorting]
  - slug: plasticity
    name: Plasticity
    match: [plasticity]
"""


def test_rule_kinds_and_max_topics_are_read_from_site_yaml(site):
    from sitegen.config import load_config
    site.write("dumps/a.txt", "Spiking Title\nSpiking neurons.\n")
    site.write("site.yaml", RULES_SITE)
    config = load_config(site.config)
    assert config.max_topics == 1
    assert config.topics[0] == Topic("spiking", "Spiking", strong=("spiking",), weak=("spike*",),
                                     requires=("neuron*",), exclude=("spike sorting",))
    assert config.topics[1].match == ("plasticity",)


def test_bad_rule_keys_and_rules_are_errors_with_path_and_line(site):
    site.write("dumps/a.txt", "Spiking Title\nSpiking neurons.\n")
    site.write("site.yaml", """
        title: T
        base_url: https://example.org/
        sources: [dumps/a.txt]
        max_topics: 0
        topics:
          - slug: spiking
            name: Spiking
            strng: [spiking]
            weak: [spike*, "sp*ke", "*", " ", "spikes in the cortex of awake mice"]
            requires: neurons
            exclude: []
          - slug: plasticity
            name: Plasticity
            description: No rules at all.
    """)
    result = site.run("check")
    assert result.exit_code == 2, result.output
    for expected in (
            "site.yaml:4: error: max_topics must be a whole number of at least 1",
            "site.yaml:8: error: topics[0]: unknown key 'strng' (did you mean 'strong'?); known keys: "
            "description, exclude, match, name, requires, slug, strong, weak",
            "site.yaml:9: error: topics[0].weak[1]: 'sp*ke': `*` may only end a word, at the end of the rule",
            "site.yaml:9: error: topics[0].weak[2]: '*' has no word to match",
            "site.yaml:9: error: topics[0].weak[3] must be a non-empty string",
            "site.yaml:9: error: topics[0].weak[4]: 'spikes in the cortex of awake mice' has 7 words; "
            "a rule may have at most 6: keep the words that tell the topic",
            "site.yaml:11: error: topics[0].exclude needs at least one word or phrase",
            "site.yaml:12: error: topics[1]: give the topic rules to match papers by: strong, weak "
            "(or match, which is strong)"):
        assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert "8 problems in the configuration" in result.output


def test_a_rule_list_that_is_not_a_list_is_an_error_with_its_line(site):
    site.write("dumps/a.txt", "Spiking Title\nSpiking neurons.\n")
    site.write("site.yaml", RULES_SITE.replace("exclude: [spike sorting]", "exclude: {spike: sorting}"))
    result = site.run("check")
    assert result.exit_code == 2
    assert "site.yaml:11: error: topics[0].exclude must be a list" in result.output


# --- the report -------------------------------------------------------------------

REPORT_SITE = """
title: T
base_url: https://example.org/
sources: [dumps/a.txt]
max_topics: 1
topics:
  - slug: spiking
    name: Spiking
    strong: [spiking]
    weak: [spike*]
  - slug: plasticity
    name: Plasticity
    strong: [Hebbian]
    weak: [synaptic]
    requires: [brain*, neuron*]
catch_all: Other papers
"""

REPORT_DUMP = """\
Spiking Networks Learn
We train spiking networks with a Hebbian rule on neurons, and spiking chips run them.

Hebbian Learning in Neurons
Hebbian learning in neurons, once more Hebbian.

A Lone Signal
One spike is all we need.

Synaptic Scaling for Transformers
Synaptic scaling, synaptic noise, synaptic everything in large models.

Protein Folding at Scale
We fold proteins.
"""


def test_check_topics_explains_every_page_its_near_misses_and_overlaps(site):
    site.write("dumps/a.txt", REPORT_DUMP)
    site.write("site.yaml", REPORT_SITE)
    result = site.run("check", "--topics", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Topics of 5 papers: a topic matches at a score of 2 (each mention: strong 2, weak 1; in the "
        "title ×3); a paper keeps its best 1 (max_topics) of those scoring at least 50% of its best.",
        "",
        "Spiking [spiking]: 2 papers",
        "   10  Spiking Networks Learn — spiking (strong: title 1, abstract 2)",
        "    1  A Lone Signal — spike* (weak: abstract 1); near miss, kept: it matched nothing else",
        "",
        "Plasticity [plasticity]: 1 paper",
        "   10  Hebbian Learning in Neurons — Hebbian (strong: title 1, abstract 2)",
        "  almost (2):",
        "    6  Synaptic Scaling for Transformers — synaptic (weak: title 1, abstract 3); "
        "none of its `requires` words",
        "    2  Spiking Networks Learn — Hebbian (strong: abstract 1); under half the best score "
        "(kept spiking 10)",
        "",
        "Other papers [other-papers]: 2 papers",
        "  Protein Folding at Scale — no rule mentioned",
        "  Synaptic Scaling for Transformers — nearest: plasticity 6 (synaptic (weak: title 1, "
        "abstract 3), without what it requires)",
        "",
        "Papers on two topics or more, by pair:",
        "  none",
    ]


def test_the_report_counts_overlaps_between_topics(site):
    site.write("dumps/a.txt", REPORT_DUMP)
    site.write("site.yaml", REPORT_SITE.replace("max_topics: 1", "max_topics: 2")
               .replace("strong: [Hebbian]", "strong: [Hebbian, spiking]"))
    lines = site.run("check", "--topics", "--quiet").output.splitlines()
    assert "  shares papers with: plasticity 1" in lines
    assert "  shares papers with: spiking 1" in lines
    assert lines[-2:] == ["Papers on two topics or more, by pair:", "  spiking + plasticity: 1"]


def test_the_report_lists_the_kept_topics_of_equal_score_in_configuration_order(site, tmp_path):
    import subprocess
    import sys
    site.write("dumps/a.txt", "Gamma Beta Alpha\nOne paper on all three.\n")
    site.write("site.yaml", REPORT_SITE.replace("\ntopics:", """\ntopics:
  - {slug: zeta, name: Zeta, strong: [gamma]}
  - {slug: alpha, name: Alpha, strong: [beta]}
  - {slug: mid, name: Mid, strong: [alpha]}""").replace("max_topics: 1", "max_topics: 2"))
    reports = set()
    for seed in ("1", "5"):  # a set of the two slugs iterates in one order under one, in the other under the other
        result = subprocess.run([sys.executable, "-m", "sitegen", "check", "--topics", "--quiet"], cwd=site.root,
                                capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        reports.add(result.stdout)
    assert len(reports) == 1
    assert "cut by max_topics 2 (kept zeta 6, alpha 6)" in reports.pop()


# --- the shipped digest -----------------------------------------------------------

SEED_TOPIC_COUNTS = {
    "interpretability": 37, "brain-decoding": 46, "visual-cortex": 19, "language-and-brain": 9,
    "spiking": 13, "plasticity": 11, "neuron-models": 15, "dynamics-and-theory": 30,
    "representation-learning": 45, "brain-inspired-ai": 16, "other": 18,
}


def test_seed_digest_topic_counts(seed_site):
    papers = json.loads((seed_site.output / "papers.json").read_text())
    counts = {slug: 0 for slug in SEED_TOPIC_COUNTS}
    for paper in papers:
        for slug in paper["topics"]:
            counts[slug] += 1
    assert counts == SEED_TOPIC_COUNTS
    assert all(counts.values()), "no topic page is empty"
    assert counts["other"] <= 0.10 * len(papers)
    assert sum(len(paper["topics"]) for paper in papers) / len(papers) <= 1.8


def test_shipped_rules_agree_with_the_hand_labelled_sample():
    """tests/data/topic_labels.yaml: seed papers labelled by meaning before the rules were
    written; `tuning` was used while writing them, `held_out` only measured."""
    from topic_quality import measure
    for part, result in measure().items():
        assert result.precision >= 0.70, (part, result)
        assert result.recall >= 0.75, (part, result)
        assert result.topics_per_paper <= 1.8, (part, result)


# --- the counting against a plain reading of the rules -----------------------------

PROPERTY_TOPICS = [
    Topic("a", "A", strong=("spiking neural network*", "snn"), weak=("spik*", "neural"),
          exclude=("spike sorting",)),
    Topic("b", "B", match=("neural network",), weak=("network*", "brain activity"), requires=("brain*",)),
    Topic("c", "C", strong=("sparse autoencoder*",), weak=("autoencoder*", "sparse"),
          exclude=("sparse autoencoder* features",)),
]
VOCABULARY = ["spiking", "spike", "spikes", "sorting", "neural", "network", "networks", "snn", "brain",
              "brains", "activity", "sparse", "autoencoder", "autoencoders", "features", "the", "of"]


def plain_score(topics, title, abstract):
    """Each rule's mentions found by a regular expression over the words, the title's
    counted three times, a topic's excluded phrases taken out of its text first."""
    import re
    from sitegen.content.topics import rule_words, rules_of, words_of

    def pattern(rule):
        return " ".join(re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w)
                        for w in rule_words(rule))

    def mentions(rule, text):
        return len(re.findall(f"(?<= ){pattern(rule)}(?= )", text))

    result = {}
    for topic in topics:
        kinds = list(rules_of(topic))
        texts = []
        for part in (title, abstract):
            text = " " + " ".join(words_of(part)) + " "
            for kind, rule in kinds:
                if kind == "exclude":
                    text = re.sub(f"(?<= ){pattern(rule)}(?= )", "\x00", text)
            texts.append(text)
        score = sum({"strong": 2, "weak": 1}[kind] * (3 * mentions(rule, texts[0]) + mentions(rule, texts[1]))
                    for kind, rule in kinds if kind in ("strong", "weak"))
        context = not topic.requires or any(mentions(rule, text) for rule in topic.requires for text in texts)
        if score:
            result[topic.slug] = (score, context)
    return result


def test_repeated_phrases_each_count():
    topic = Topic("b", "B", match=("neural network",))
    assert scores([topic], abstract="neural network neural network, a neural network")["b"].score == 6
    assert plain_score([topic], "", "neural network neural network, a neural network") == {"b": (6, True)}


def test_mentions_of_one_rule_do_not_share_words():
    topic = Topic("d", "D", strong=("deep deep",))
    for text, mentions in (("deep deep deep", 1), ("deep deep deep deep", 2), ("Deep, deep. Deep-deep", 2)):
        assert scores([topic], abstract=text)["d"].score == 2 * mentions, text
        assert plain_score([topic], "", text) == {"d": (2 * mentions, True)}, text
    assert TopicRules([topic]).hits("Deep deep deep", "deep deep") == {
        "d": (Hit("deep deep", "strong", 1, 1),)}


def test_rules_that_start_at_the_same_word_each_count():
    topic = Topic("n", "N", strong=("neuronal model*",), weak=("neuron*", "neuronal"))
    assert TopicRules([topic]).hits("", "Neuronal models, neuronal dynamics and neurons.") == {"n": (
        Hit("neuronal model*", "strong", 0, 1), Hit("neuron*", "weak", 0, 3), Hit("neuronal", "weak", 0, 2))}


def test_rules_and_texts_beyond_ascii_are_matched_case_folded():
    topic = Topic("s", "S", strong=("Straße", "naïve model*"))
    found = scores([topic], title="STRASSE", abstract="Naïve models on the straße; naive models.")
    assert found["s"].score == 2 * 3 + 2 * 2


@pytest.mark.parametrize("seed", range(300))
def test_scores_agree_with_a_plain_reading_of_the_rules(seed):
    import random
    pick = random.Random(seed)
    title = " ".join(pick.choices(VOCABULARY, k=pick.randint(0, 6)))
    abstract = ". ".join(" ".join(pick.choices(VOCABULARY, k=pick.randint(0, 25))) for _ in range(2))
    rules = TopicRules(PROPERTY_TOPICS)
    got = {score.slug: (score.score, score.context) for score in rules.score(title, abstract)}
    assert got == plain_score(PROPERTY_TOPICS, title, abstract), (title, abstract)
