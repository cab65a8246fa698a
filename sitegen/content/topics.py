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
import re
from collections import defaultdict
from typing import Iterable, NamedTuple, Sequence

from ..config import Topic

MATCH_SCORE = 2
RUNNER_UP_SHARE = 0.5  # a paper's other topics need half the score of its best one
TITLE_WEIGHT = 3
WEIGHTS = {"exclude": 0, "requires": 0, "weak": 1, "strong": 2}

WORD = re.compile(r"\w+")
_APART = "\x00"  # stands for an excluded phrase: no rule's word, not a space
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
    """`words_of(text)` in one string, a space or more before each word: " sparse  autoencoders"."""
    if text.isascii():
        return " " + text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii")
    return " " + " ".join(WORD.findall(text.casefold()))


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


class _Rule(NamedTuple):
    topic: int  # index into TopicRules.order
    kind: str
    text: str
    weight: int


class _Phrase(NamedTuple):
    """A rule of two words or more, looked for where its first word stands."""
    rule: int
    middle: list[str]  # the words between the first and the last
    last: str  # without its `*`
    prefix: bool  # the last word ends in `*`: any word starting with it

    def ends_with(self, word: str) -> bool:
        return word.startswith(self.last) if self.prefix else word == self.last

    def at(self, words: list[str], place: int) -> bool:
        """Whether the phrase stands in `words` from `place` (where its first word is)."""
        end = place + len(self.middle) + 1
        return end < len(words) and words[place + 1:end] == self.middle and self.ends_with(words[end])


class TopicRules:
    """Topics' rules compiled for matching (see `_count` for how a text is counted)."""

    def __init__(self, topics: Iterable[Topic]):
        topics = tuple(topics)
        self.order = [topic.slug for topic in topics]
        self._rules: list[_Rule] = []
        self._single: dict[str, list[int]] = defaultdict(list)   # word -> one-word rules
        self._prefix: dict[str, list[int]] = defaultdict(list)   # prefix -> one-word rules
        self._phrases: dict[str, list[_Phrase]] = defaultdict(list)  # first word -> phrases
        self._requiring: set[int] = set()  # topics with `requires`
        self._overlapping: dict[int, re.Pattern] = {}  # rule whose mentions can share words -> its pattern
        excluded: dict[int, list[str]] = defaultdict(list)  # topic -> its exclude patterns
        for index, topic in enumerate(topics):
            for kind, text in rules_of(topic):
                parts = rule_words(text)
                if parts:
                    self._add(index, kind, text, parts)
                    if kind == "exclude":
                        excluded[index].append(_pattern(parts))
        # " (?:sparse +autoencoder\w*|...)(?= )": a topic's excluded phrases in spaced words
        self._excluded = {topic: re.compile(f" (?:{'|'.join(patterns)})(?= )")
                          for topic, patterns in excluded.items()}
        self._exclusions = {rule for rule, found in enumerate(self._rules) if found.kind == "exclude"}
        self._weighing = [(found.topic, found.weight) for found in self._rules]
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefix})
        spelled = {" ".join(rule_words(found.text)) for found in self._rules}  # "sparse autoencoder*"
        self._runs = re.compile(f" (?=({_trie_pattern(spelled)}))").findall
        self._mentioned: dict[str, tuple[int, ...]] = {}  # a run `_runs` finds -> the rules it mentions

    def _add(self, topic: int, kind: str, text: str, parts: list[str]) -> None:
        rule = len(self._rules)
        self._rules.append(_Rule(topic, kind, text, WEIGHTS[kind]))
        if kind == "requires":
            self._requiring.add(topic)
        first, *rest = parts
        if rest:
            last = rest[-1]
            self._phrases[first].append(_Phrase(rule, rest[:-1], last.rstrip("*"), last.endswith("*")))
            if _overlaps_itself(parts):
                self._overlapping[rule] = re.compile(f"(?<= ){_pattern(parts)}\\b")
        elif first.endswith("*"):
            self._prefix[first[:-1]].append(rule)
        else:
            self._single[first].append(rule)

    def score(self, title: str, abstract: str) -> tuple[TopicScore, ...]:
        """The topics the text mentions with some score, in configuration order."""
        totals: dict[int, int] = {}  # topic -> score
        contexts: set[int] = set()
        weighing = self._weighing
        for rule, count in self._mentions(title, abstract).items():
            topic, weight = weighing[rule]
            if weight:
                totals[topic] = totals.get(topic, 0) + weight * count
            else:  # `requires`
                contexts.add(topic)
        requiring, order = self._requiring, self.order
        return tuple([TopicScore(order[topic], totals[topic], topic not in requiring or topic in contexts)
                      for topic in sorted(totals)])  # from a list: slower from a generator

    def hits(self, title: str, abstract: str) -> dict[str, tuple[Hit, ...]]:
        """Topic -> the mentions of its rules that make its score, in configuration order."""
        counts: dict[int, list[int]] = {}  # rule -> [mentions in title, in abstract]
        for place, mentions in enumerate((self._mentions(title, "", 1), self._mentions("", abstract))):
            for rule, count in mentions.items():
                if self._rules[rule].weight:
                    counts.setdefault(rule, [0, 0])[place] += count
        hits: dict[str, tuple[Hit, ...]] = {}
        for rule in sorted(counts):  # rules are numbered in configuration order
            found = self._rules[rule]
            hit = Hit(found.text, found.kind, *counts[rule])
            hits[self.order[found.topic]] = hits.get(self.order[found.topic], ()) + (hit,)
        return hits

    def _mentions(self, title: str, abstract: str, title_weight: int = TITLE_WEIGHT) -> dict[int, int]:
        """Rule -> its mentions (scoring rules and `requires`), those in the title counted
        `title_weight` times; for a topic with an excluded phrase there, its rules' mentions
        outside the excluded phrases."""
        texts = spaced_words(title), spaced_words(abstract)
        found = self._count(texts, title_weight)
        if self._exclusions.isdisjoint(found):
            return found
        rules = self._rules
        for topic in {rules[rule].topic for rule in found if rule in self._exclusions}:
            # " sparse autoencoders are" -> " \x00 are": a word no rule has, that no phrase crosses
            apart = [self._excluded[topic].sub(" " + _APART, text + " ") for text in texts]
            found = {rule: count for rule, count in found.items() if rules[rule].topic != topic}
            found.update((rule, count) for rule, count in self._count(apart, title_weight).items()
                         if rules[rule].topic == topic)
        return {rule: count for rule, count in found.items() if rule not in self._exclusions}

    def _count(self, texts: Sequence[str], title_weight: int) -> dict[int, int]:
        """Rule -> its mentions in a title and an abstract (written by `spaced_words`), the
        title's counted `title_weight` times.  One regular expression, the rules as a trie of
        their characters (`_trie_pattern`), is tried at every word inside `re`, and stops only
        where some rule stands, with the run of words that the longest rule there covers
        ("spiking neural networks"); Python sees only those runs, and works out once per
        distinct run which rules it mentions (`_rules_in`).  This buys matching at about four
        fifths of the CPU time of the word by word counting it replaced, which split the texts
        and looked every word up (figures in benchmarks/README.md)."""
        mentioned = self._mentioned
        found: dict[int, int] = {}
        for text, weight in zip(texts, (title_weight, 1)):
            for run in self._runs(text):
                for rule in mentioned.get(run) or self._rules_in(run):
                    found[rule] = found.get(rule, 0) + weight
        if self._overlapping:  # mentions may not share words, as `str.count`'s
            for rule in self._overlapping.keys() & found.keys():
                title, abstract = (len(self._overlapping[rule].findall(text)) for text in texts)
                found[rule] = title_weight * title + abstract
        return found

    def _rules_in(self, run: str) -> tuple[int, ...]:
        """The rules `run` mentions from its first word: all that stand there, as no rule
        that does is longer than the run (see `_trie_pattern`)."""
        words = run.split()
        first = words[0]
        rules = list(self._single.get(first, ()))
        for length in self._prefix_lengths:
            if length <= len(first):
                rules.extend(self._prefix.get(first[:length], ()))
        rules.extend(phrase.rule for phrase in self._phrases.get(first, ()) if phrase.at(words, 0))
        found = self._mentioned[run] = tuple(rules)
        return found


def _trie_pattern(spelled: Iterable[str]) -> str:
    """A regular expression for rules spelled as their words with a space between them
    ("sparse autoencoder*"; it matches any spaces there): the rules as a trie of their
    characters, so that a word no rule starts with is given up after a letter or two.  At
    every branch the longer way is tried first (a next letter or word, then a `*`, then the
    end of a rule), and a `*` only ends a rule: what it matches where rules stand is as many
    words as the longest of them."""
    trie: dict = {}
    for rule in spelled:
        node = trie
        for char in rule:
            node = node.setdefault(char, {})
        node[""] = {}  # a rule ends here

    def written(node: dict) -> str:
        branches = [(" +" if char == " " else re.escape(char)) + written(after)
                    for char, after in sorted(node.items()) if char not in ("*", "")]
        if "*" in node:  # only ever a rule's last character
            branches.append(r"\w*")
        if "" in node:
            branches.append(r"\b")
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return written(trie) if trie else "(?!)"


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
