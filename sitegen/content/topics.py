"""Topic rules: how strongly a paper's title and abstract match each configured topic.

Rules are words or phrases, matched case-insensitively on whole words;
punctuation between words does not matter (`black-box` matches "black box"),
and a trailing `*` matches any word that starts with what precedes it.

A topic's score is the sum over its rules' mentions in the paper: a `strong`
rule (or one under `match`, their older name) counts 2 for each mention, a
`weak` one 1, and a mention in the title three times as much.  A topic matches
at a score of 2 (`MATCH_SCORE`): one mention of a strong rule, a weak rule in
the title or mentioned twice.  Each rule counts its own mentions (`interpretab*`
and `mechanistic interpretability` both count "mechanistic interpretability");
words inside one of the topic's `exclude` phrases do not count for it at all;
and a topic with `requires` matches only a paper that mentions one of those
somewhere.

`TopicRules.score` is the pure function from a paper's text to its scored
topics; `choose_topics` picks a paper's topics from them (`max_topics` at most,
or the best near miss).  `TopicMatcher` remembers the answers, within a build
and, handed over (`known_matches`, `remember_matches`), from one build to the
next.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import struct
from collections import defaultdict
from operator import itemgetter
from typing import Iterable, Iterator, NamedTuple, Sequence

import ahocorasick_rs

from ..config import Topic

MATCH_SCORE = 2
RUNNER_UP_SHARE = 0.5  # a paper's other topics need half the score of its best one
TITLE_WEIGHT = 3
WEIGHTS = {"exclude": 0, "requires": 0, "weak": 1, "strong": 2}

WORD = re.compile(r"\w+")
_APART = "\x00"  # stands for an excluded phrase: no rule's word, not a space
_FIELDS = {"strong": 0, "weak": 0, "requires": 1, "exclude": 2}  # a topic's three tallies (`_tally`)
_GAP = 3  # the most spaces between two words that `_spellings` spells out
_TOO_LONG_GAP = " " * (_GAP + 1)
_LONG_GAPS = re.compile(f"{_TOO_LONG_GAP}+")
_SPELLING = itemgetter(0)
_FIELD_MASK = (1 << 64) - 1
TEXTS_REMEMBERED = 100_000
# Byte -> itself in lower case for what `\w` matches in ASCII (letters, digits, underscore),
# else a space: an ASCII text's words are then one split of the translated text, 2.5 times
# faster (the twin of similar.py's table, whose words leave out the underscore).
_ASCII_WORD_BYTES = bytes(ord(chr(code).lower()) if code < 128 and (chr(code).isalnum() or chr(code) == "_")
                          else 32 for code in range(256))


def words_of(text: str) -> list[str]:
    if text.isascii():  # case folding an ASCII text is lower casing
        return text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()
    return WORD.findall(text.casefold())


def spaced_words(text: str) -> str:
    """`words_of(text)` in one string, one to `_GAP` spaces before each word and one or more
    after the last: " sparse autoencoders,  too" -> " sparse autoencoders   too "."""
    if not text.isascii():
        return f" {' '.join(WORD.findall(text.casefold()))} "
    spaced = f" {text.encode('ascii').translate(_ASCII_WORD_BYTES).decode('ascii')} "
    return _LONG_GAPS.sub(" ", spaced) if _TOO_LONG_GAP in spaced else spaced


def rule_words(rule: str) -> list[str]:
    """A rule's words as matched: `sparse autoencoder*` -> ["sparse", "autoencoder*"]."""
    parts = words_of(rule)
    if parts and rule.rstrip().endswith("*"):
        parts[-1] += "*"
    return parts


def rules_of(topic: Topic) -> Iterable[tuple[str, str]]:
    """(kind, rule) for each of a topic's rules; `match` rules are strong ones."""
    for kind, rules in (("strong", topic.match), ("strong", topic.strong), ("weak", topic.weak),
                        ("requires", topic.requires), ("exclude", topic.exclude)):
        for rule in rules:
            yield kind, rule


class Hit(NamedTuple):
    """A rule's mentions in one paper, as they counted for its topic."""
    rule: str
    kind: str  # "strong" or "weak"
    in_title: int
    in_abstract: int


class TopicScore(NamedTuple):
    slug: str
    score: int
    context: bool  # the topic's `requires` are met (True when it has none)

    @property
    def matches(self) -> bool:
        return self.context and self.score >= MATCH_SCORE


def choose_topics(scores: Iterable[TopicScore], max_topics: int) -> tuple[str, ...]:
    """A paper's topics, in the order of `scores` (configuration order): the ones that
    match with at least half the best one's score, the best `max_topics` of them (ties
    go to the earlier topic); failing any, the best near miss (a topic with some score
    and its context); else none."""
    near = [score for score in scores if score.context and score.score > 0]
    matched = [score for score in near if score.score >= MATCH_SCORE]
    if matched:
        least = RUNNER_UP_SHARE * max(score.score for score in matched)
        kept = [score for score in matched if score.score >= least]
        if len(kept) > max_topics:
            best = set(sorted(kept, key=lambda s: -s.score)[:max_topics])  # sorted keeps the order of equals
            kept = [score for score in kept if score in best]
        return tuple(score.slug for score in kept)
    if near:
        return (max(near, key=lambda s: s.score).slug,)  # max keeps the first of equals
    return ()


class TopicRules:
    """Topics' rules compiled for matching: one Aho-Corasick automaton over every rule as it
    is spelled in spaced words (see `_tally` for how a text is counted)."""

    def __init__(self, topics: Iterable[Topic]):
        topics = tuple(topics)
        self.order = [topic.slug for topic in topics]
        self._free = [not topic.requires for topic in topics]  # no context to meet
        self._topics = {topic.slug: topic for topic in topics}
        self._explaining: dict[str, tuple[list[tuple[str, str]], TopicRules]] = {}  # see `hits`
        values: dict[str, int] = defaultdict(int)  # a rule as the automaton spells it -> what it adds
        # Rules whose mentions can share words, each with a field of its own after the topics'
        self._overlapping: list[tuple[re.Pattern, int]] = []
        excluded: dict[int, list[str]] = defaultdict(list)  # topic -> its exclude patterns
        for index, topic in enumerate(topics):
            for kind, text in rules_of(topic):
                parts = rule_words(text)
                if not parts:
                    continue
                value = (WEIGHTS[kind] or 1) << (64 * (3 * index + _FIELDS[kind]))
                if _overlaps_itself(parts):
                    self._overlapping.append((re.compile(f" {_pattern(parts)}\\b"), value))
                    value += 1 << (64 * (3 * len(topics) + len(self._overlapping) - 1))
                for spelled in _spellings(parts):
                    values[spelled] += value
                if kind == "exclude":
                    excluded[index].append(_pattern(parts))
        # " (?:sparse +autoencoder\w*|...)(?= )": a topic's excluded phrases in spaced words
        self._excluded = {topic: re.compile(f" (?:{'|'.join(patterns)})(?= )")
                          for topic, patterns in excluded.items()}
        self._find = ahocorasick_rs.AhoCorasick(list(values), implementation=ahocorasick_rs.Implementation.DFA)
        self._values = list(values.values())
        self._fields = struct.Struct(f"<{3 * len(topics)}Q")
        self._bytes = 8 * (3 * len(topics) + len(self._overlapping))

    def score(self, title: str, abstract: str) -> tuple[TopicScore, ...]:
        """The topics the text mentions with some score, in configuration order."""
        fields = self._weighed((spaced_words(title), spaced_words(abstract)), TITLE_WEIGHT)
        order, free, contexts = self.order, self._free, fields[1::3]
        return tuple([TopicScore(order[topic], score, free[topic] or contexts[topic] > 0)
                      for topic, score in enumerate(fields[::3]) if score])  # from a list: slower from a generator

    def hits(self, title: str, abstract: str) -> dict[str, tuple[Hit, ...]]:
        """Topic -> the mentions of its rules that make its score, in configuration order:
        for each topic the text scores for, the scores in the title and in the abstract of
        topics made of each of its scoring rules alone (weak, with the topic's `exclude`)."""
        texts = spaced_words(title), spaced_words(abstract)
        hits: dict[str, tuple[Hit, ...]] = {}
        for slug in (score.slug for score in self.score(title, abstract)):
            if slug not in self._explaining:
                topic = self._topics[slug]
                scoring = [(kind, text) for kind, text in rules_of(topic) if WEIGHTS[kind] and rule_words(text)]
                self._explaining[slug] = scoring, TopicRules(
                    Topic(str(number), text, weak=(text,), exclude=topic.exclude)
                    for number, (_, text) in enumerate(scoring))
            scoring, alone = self._explaining[slug]
            titles = alone._weighed((texts[0], ""), 1)[::3]  # each rule's mentions in the title
            abstracts = alone._weighed(("", texts[1]), 1)[::3]
            hits[slug] = tuple(Hit(text, kind, in_title, in_abstract) for (kind, text), in_title, in_abstract
                               in zip(scoring, titles, abstracts) if in_title or in_abstract)
        return hits

    def _weighed(self, texts: Sequence[str], title_weight: int) -> Sequence[int]:
        """`_tally`'s fields, those of a topic whose excluded phrase is there counted again
        without its excluded phrases."""
        fields = self._tally(texts, title_weight)
        if any(fields[2::3]):
            fields = list(fields)
            for topic, excluded in enumerate(fields[2::3]):
                if excluded:
                    # " sparse autoencoders are" -> " \x00 are": a word no rule has, that no phrase crosses
                    apart = [self._excluded[topic].sub(" " + _APART, text) for text in texts]
                    fields[3 * topic:3 * topic + 3] = self._tally(apart, title_weight)[3 * topic:3 * topic + 3]
        return fields

    def _tally(self, texts: Sequence[str], title_weight: int) -> tuple[int, ...]:
        """Three fields per topic for a title and an abstract (written by `spaced_words`),
        the title's mentions counted `title_weight` times: the weighted mentions of its
        rules (its score), of its `requires`, of its `exclude`.  The automaton finds every
        rule's mentions in compiled code, each worth an integer that holds the rule's weight
        in its topic's field (64 bits each, more than any text's mentions need), and `sum`
        adds them up in C: Python takes two sums per paper, not a step per mention.  This
        buys matching at about three quarters of the CPU time of counting each rule's
        mentions in Python from the same automaton (figures in benchmarks/README.md)."""
        find, worth = self._find.find_matches_as_indexes, self._values.__getitem__
        total = (title_weight * sum(map(worth, map(_SPELLING, find(texts[0], overlapping=True))))
                 + sum(map(worth, map(_SPELLING, find(texts[1], overlapping=True)))))
        for field, (pattern, value) in enumerate(self._overlapping, start=3 * len(self.order)):
            counted = (total >> (64 * field)) & _FIELD_MASK
            if counted:  # mentions of one rule may not share words, as `str.count`'s
                counts = (len(pattern.findall(text)) for text in texts)
                total += value * (title_weight * next(counts) + next(counts) - counted)
        return self._fields.unpack_from(total.to_bytes(self._bytes, "little"))


def _spellings(parts: list[str]) -> Iterator[str]:
    """A rule as the automaton looks for it in spaced words: a space before each word, and
    after the last unless it ends in `*` (" sparse autoencoder", " fmri ").  Between two
    words, one to `_GAP` spaces, each a spelling of its own, as many as `spaced_words`
    leaves there (punctuation becomes spaces: ", " two): this buys texts that need no
    collapsing of their spaces first, which cost a quarter of matching's time (figures in
    benchmarks/README.md).  A rule of n words has 3^(n - 1) spellings, hence the
    configuration's limit on a rule's words (`config.MAX_RULE_WORDS`: 243 spellings)."""
    last = parts[-1][:-1] if parts[-1].endswith("*") else parts[-1] + " "
    for gaps in itertools.product(range(1, _GAP + 1), repeat=len(parts) - 1):
        yield " " + "".join(word + " " * gap for word, gap in zip(parts, gaps)) + last


def _overlaps_itself(parts: list[str]) -> bool:
    """Whether two mentions of a rule can share words: `deep deep` in "deep deep deep",
    where its words from some place on can be its first words."""
    def fits(word: str, part: str) -> bool:
        return word.startswith(part[:-1]) if part.endswith("*") else word == part
    return any(all(fits(parts[place], parts[shift + place]) for place in range(len(parts) - shift))
               for shift in range(1, len(parts)))


def _pattern(parts: list[str]) -> str:
    """A rule as a regular expression over spaced words: `sparse +autoencoder\\w*`."""
    words = [re.escape(part[:-1]) + r"\w*" if part.endswith("*") else re.escape(part) for part in parts]
    return " +".join(words)


class TopicMatcher:
    """`TopicRules.score`, remembered: a rebuild asks again about nearly every text."""

    def __init__(self, topics: Iterable[Topic]):
        topics = tuple(topics)
        self.rules = f"scored {MATCH_SCORE} {TITLE_WEIGHT} {WEIGHTS}: {topics!r}"  # what answers depend on
        self._compiled = TopicRules(topics)
        self.order = self._compiled.order
        self._texts: dict[bytes, tuple[TopicScore, ...]] = {}  # digest of a text -> scores
        self._papers: dict[tuple[str, ...], tuple[bytes, tuple[TopicScore, ...]]] = {}
        self._asked: set[bytes] = set()  # the texts asked about since `remember_matches`

    def match(self, text: str) -> list[str]:
        """The topics `text` (an abstract, say) matches, in configuration order."""
        return [score.slug for score in self.scores("", [text]) if score.matches]

    def scores(self, title: str, abstract: list[str]) -> tuple[TopicScore, ...]:
        """The scored topics of a paper's title and abstract paragraphs, remembered by
        the strings themselves too: a rebuild's papers hold the strings the last build's
        did (the parsed dumps'), which are looked up faster than they are joined and hashed."""
        strings = (title, *abstract)
        found = self._papers.get(strings)
        if found is None:
            if len(self._papers) > TEXTS_REMEMBERED:
                self._papers.clear()
            text = "\n".join(abstract)
            digest = hashlib.blake2b(f"{title}\n{text}".encode("utf-8", "surrogatepass"),
                                     digest_size=16).digest()
            scored = self._texts.get(digest)
            if scored is None:
                if len(self._texts) > TEXTS_REMEMBERED:
                    self._texts.clear()
                scored = self._texts[digest] = self._compiled.score(title, text)
            found = self._papers[strings] = (digest, scored)
        self._asked.add(found[0])
        return found[1]

    match_paper = scores  # the name the parse step asks by

    def explain(self, title: str, abstract: list[str]) -> dict[str, tuple[Hit, ...]]:
        """Topic -> the rule mentions behind its score (worked out afresh: for reports)."""
        return self._compiled.hits(title, "\n".join(abstract))

    def known_matches(self) -> tuple[str, dict[bytes, tuple[TopicScore, ...]]]:
        """The rules, and what each text asked about since `remember_matches` scored."""
        return self.rules, {digest: self._texts[digest] for digest in self._asked
                            if digest in self._texts}

    def remember_matches(self, known: tuple[str, dict[bytes, tuple[TopicScore, ...]]] | None) -> None:
        """Take what an earlier build's matcher found, if it had the same rules."""
        self._asked.clear()
        if known and known[0] == self.rules and len(known[1]) <= TEXTS_REMEMBERED:
            self._texts.update(known[1])
