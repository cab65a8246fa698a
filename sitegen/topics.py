"""Topic rules: how strongly a paper's title and abstract match each configured topic.

Rules are words or phrases, matched case-insensitively on whole words;
punctuation between words does not matter (`black-box` matches "black box"),
and a trailing `*` matches any word that starts with what precedes it.

A topic's score is the sum over its rules' mentions in the paper: a `strong`
rule (or one under `match`, their older name) counts 2 for each mention, a
`weak` one 1, and a mention in the title three times as much.  A topic matches
at a score of 2 (`MATCH_SCORE`): one mention of a strong rule, a weak rule in
the title or mentioned twice.  A word counts once per topic, for its longest
and strongest rule; words inside one of the topic's `exclude` phrases do not
count for it at all; and a topic with `requires` matches only a paper that
mentions one of those somewhere.

`TopicRules.score` is the pure function from a paper's text to its scored
topics; `choose_topics` picks a paper's topics from them (`max_topics` at most,
or the best near miss).  `TopicMatcher` remembers the answers, within a build
and, handed over (`known_matches`, `remember_matches`), from one build to the
next.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from typing import Iterable, NamedTuple

from .config import Topic

MATCH_SCORE = 2
RUNNER_UP_SHARE = 0.5  # a paper's other topics need half the score of its best one
TITLE_WEIGHT = 3
WEIGHTS = {"exclude": 0, "requires": 0, "weak": 1, "strong": 2}
RULE_KINDS = ("strong", "weak", "requires", "exclude")  # what a topic's rule lists are called

WORD = re.compile(r"\w+")
TEXTS_REMEMBERED = 100_000
# Byte -> itself for what `\w` matches in ASCII (letters, digits, underscore), else a space:
# an ASCII text's words are then one split of the translated text, 2.5 times faster (the
# twin of similar.py's table, whose words leave out the underscore).
_ASCII_WORD_BYTES = bytes(code if chr(code).isascii() and (chr(code).isalnum() or chr(code) == "_") else 32
                          for code in range(256))


def words_of(text: str) -> list[str]:
    if text.isascii():  # case folding an ASCII text is lower casing
        return text.encode("ascii").lower().translate(_ASCII_WORD_BYTES).decode("ascii").split()
    return WORD.findall(text.casefold())


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
    hits: tuple[Hit, ...]
    context: bool  # the topic's `requires` are met (True when it has none)

    @property
    def matches(self) -> bool:
        return self.context and self.score >= MATCH_SCORE


def choose_topics(scores: Iterable[TopicScore], max_topics: int) -> tuple[str, ...]:
    """A paper's topics, in the order of `scores` (configuration order): the ones that
    match with at least half the best one's score, the best `max_topics` of them (ties
    go to the earlier topic); failing any, the best near miss (a topic with some score
    and its context); else none."""
    scores = list(scores)
    matched = [score for score in scores if score.matches]
    if matched:
        best = max(score.score for score in matched)
        ranked = sorted((score for score in matched if score.score >= RUNNER_UP_SHARE * best),
                        key=lambda s: -s.score)
        kept = {score.slug for score in ranked[:max_topics]}
        return tuple(score.slug for score in matched if score.slug in kept)
    near = [score for score in scores if score.context and score.score > 0]
    if near:
        return (max(near, key=lambda s: s.score).slug,)  # max keeps the first of equals
    return ()


class _Rule(NamedTuple):
    topic: int  # index into TopicRules.order
    kind: str
    text: str
    rest: tuple[str, ...]  # the words after the first


class _Mention(NamedTuple):
    rule: int
    start: int
    length: int


class TopicRules:
    """Topics' rules compiled for matching: each distinct word is looked up once, so
    scoring stays fast on tens of thousands of papers."""

    def __init__(self, topics: Iterable[Topic]):
        topics = tuple(topics)
        self.order = [topic.slug for topic in topics]
        self._rules: list[_Rule] = []
        self._single: dict[str, list[int]] = defaultdict(list)   # word -> rules
        self._prefix: dict[str, list[int]] = defaultdict(list)   # prefix -> one-word rules
        self._phrases: dict[str, list[int]] = defaultdict(list)  # first word -> phrase rules
        self._requiring = set()  # topics with `requires`
        for index, topic in enumerate(topics):
            for kind, text in rules_of(topic):
                self._add(index, kind, text)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefix})
        self._memo: dict[str, tuple[int, ...]] = {}  # word -> the one-word rules it matches
        self._hits: set[str] = set()  # the remembered words that match some one-word rule

    def _add(self, topic: int, kind: str, text: str) -> None:
        parts = rule_words(text)
        if not parts:
            return
        rule = len(self._rules)
        self._rules.append(_Rule(topic, kind, text, tuple(parts[1:])))
        if kind == "requires":
            self._requiring.add(topic)
        if len(parts) > 1:
            self._phrases[parts[0]].append(rule)
        elif parts[0].endswith("*"):
            self._prefix[parts[0][:-1]].append(rule)
        else:
            self._single[parts[0]].append(rule)

    def score(self, title: str, abstract: str) -> tuple[TopicScore, ...]:
        """The topics the text mentions with some score, in configuration order."""
        counts: dict[int, list[int]] = {}  # rule -> [mentions in title, in abstract]
        contexts: set[int] = set()
        for place, text in enumerate((title, abstract)):
            for rule in self._counted(words_of(text), contexts):
                counts.setdefault(rule, [0, 0])[place] += 1
        by_topic: dict[int, list[Hit]] = defaultdict(list)
        for rule, (in_title, in_abstract) in counts.items():
            found = self._rules[rule]
            by_topic[found.topic].append(Hit(found.text, found.kind, in_title, in_abstract))
        scores = []
        for topic in sorted(by_topic):
            hits = tuple(sorted(by_topic[topic], key=_strongest_first))
            total = sum(WEIGHTS[hit.kind] * (TITLE_WEIGHT * hit.in_title + hit.in_abstract)
                        for hit in hits)
            scores.append(TopicScore(self.order[topic], total, hits,
                                     topic not in self._requiring or topic in contexts))
        return tuple(scores)

    def _counted(self, words: list[str], contexts: set[int]) -> list[int]:
        """The scoring rules each mention in `words` counts for (a rule once per mention);
        the topics whose `requires` are mentioned are added to `contexts`."""
        mentions = self._mentions(words)
        if not mentions:
            return []
        rules = self._rules
        if len(mentions) > 1:  # excluded phrases first, then longest, then strongest
            mentions.sort(key=lambda m: (rules[m.rule].kind != "exclude", -m.length,
                                         -WEIGHTS[rules[m.rule].kind], m.start))
        claimed: dict[int, set[int]] = defaultdict(set)  # topic -> positions taken
        counted = []
        for mention in mentions:
            rule = rules[mention.rule]
            if rule.kind == "requires":
                contexts.add(rule.topic)
                continue
            span = range(mention.start, mention.start + mention.length)
            taken = claimed[rule.topic]
            if any(position in taken for position in span):
                continue
            taken.update(span)
            if rule.kind != "exclude":
                counted.append(mention.rule)
        return counted

    def _mentions(self, words: list[str]) -> list[_Mention]:
        distinct = set(words)
        for word in distinct.difference(self._memo):
            self._remember(word)
        mentions = []
        for word in distinct & self._hits:
            positions = _positions(words, word)
            for rule in self._memo[word]:
                mentions.extend(_Mention(rule, start, 1) for start in positions)
        for word in distinct.intersection(self._phrases):
            positions = _positions(words, word)
            for rule in self._phrases[word]:
                rest = self._rules[rule].rest
                mentions.extend(_Mention(rule, start, 1 + len(rest)) for start in positions
                                if _follows(words, start + 1, rest))
        return mentions

    def _remember(self, word: str) -> None:
        rules = list(self._single.get(word, ()))
        for length in self._prefix_lengths:
            if length <= len(word):
                rules.extend(self._prefix.get(word[:length], ()))
        self._memo[word] = tuple(rules)
        if rules:
            self._hits.add(word)


def _strongest_first(hit: Hit):
    return (-WEIGHTS[hit.kind], -(TITLE_WEIGHT * hit.in_title + hit.in_abstract), hit.rule)


def _positions(words: list[str], word: str) -> list[int]:
    found, index = [], -1
    try:
        while True:
            index = words.index(word, index + 1)
            found.append(index)
    except ValueError:
        return found


def _follows(words: list[str], start: int, rest: tuple[str, ...]) -> bool:
    if start + len(rest) > len(words):
        return False
    for offset, expected in enumerate(rest):
        actual = words[start + offset]
        if expected.endswith("*"):
            if not actual.startswith(expected[:-1]):
                return False
        elif actual != expected:
            return False
    return True


@functools.lru_cache(maxsize=4)
def matcher_for(topics: tuple[Topic, ...]) -> TopicMatcher:
    """One matcher per set of rules, kept across the rebuilds of `serve`."""
    return TopicMatcher(topics)


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

    def known_matches(self) -> tuple[str, dict[bytes, tuple[TopicScore, ...]]]:
        """The rules, and what each text asked about since `remember_matches` scored."""
        return self.rules, {digest: self._texts[digest] for digest in self._asked
                            if digest in self._texts}

    def remember_matches(self, known: tuple[str, dict[bytes, tuple[TopicScore, ...]]] | None) -> None:
        """Take what an earlier build's matcher found, if it had the same rules."""
        self._asked.clear()
        if known and known[0] == self.rules and len(known[1]) <= TEXTS_REMEMBERED:
            self._texts.update(known[1])
