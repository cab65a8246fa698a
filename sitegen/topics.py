"""Topic rules: which configured topics a paper's title and abstract match.

Rules are words or phrases, matched case-insensitively on whole words;
punctuation between words does not matter (`black-box` matches "black box"),
and a trailing `*` matches any word that starts with what precedes it.  Text is
split into words once per paper and what each distinct word matches is
remembered, so matching stays fast on tens of thousands of papers.  What each
text matched is remembered too, by a digest of the text, and can be handed to
the next build (`known_matches`, `remember_matches`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict

from .config import Topic

WORD = re.compile(r"\w+")
TEXTS_REMEMBERED = 100_000
# Byte -> itself for what `\w` matches in ASCII (letters, digits, underscore), else a space:
# an ASCII text's words are then one split of the translated text, 2.5 times faster (the
# twin of similar.py's table, whose words leave out the underscore).
_ASCII_WORD_BYTES = bytes(code if chr(code).isascii() and (chr(code).isalnum() or chr(code) == "_") else 32
                          for code in range(256))


@functools.lru_cache(maxsize=4)
def matcher_for(topics: tuple[Topic, ...]) -> TopicMatcher:
    """One matcher per set of rules, kept across the rebuilds of `serve`."""
    return TopicMatcher(topics)


def words_of(text: str) -> list[str]:
    if text.isascii():  # case folding an ASCII text is lower casing
        return text.encode("ascii").lower().translate(_ASCII_WORD_BYTES).decode("ascii").split()
    return WORD.findall(text.casefold())


class TopicMatcher:
    def __init__(self, topics: tuple[Topic, ...] | list[Topic]):
        self.order = [topic.slug for topic in topics]
        self._single: dict[str, set[str]] = defaultdict(set)      # word -> topics
        self._prefix: dict[str, set[str]] = defaultdict(set)      # prefix -> topics
        self._phrases: dict[str, list[tuple[list[str], str]]] = defaultdict(list)  # first word
        self._phrase_starts: dict[str, set[str]] = defaultdict(set)  # prefix of a first word
        for topic in topics:
            for rule in topic.match:
                parts = words_of(rule)
                if not parts:
                    continue
                if rule.rstrip().endswith("*"):
                    parts[-1] += "*"
                if len(parts) == 1:
                    word = parts[0]
                    (self._prefix[word[:-1]] if word.endswith("*") else self._single[word]).add(topic.slug)
                else:
                    self._phrases[parts[0]].append((parts[1:], topic.slug))
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefix})
        self._memo: dict[str, frozenset[str]] = {}
        self._hits: set[str] = set()  # the remembered words that match some topic
        self._texts: dict[bytes, tuple[str, ...]] = {}  # digest of a text -> topics matched
        self._papers: dict[tuple[str, ...], tuple[bytes, tuple[str, ...]]] = {}  # see match_paper
        self._asked: set[bytes] = set()  # the texts asked about since `remember_matches`
        self.rules = repr(tuple(topics))

    def _word_topics(self, word: str) -> frozenset[str]:
        found = self._memo.get(word)
        if found is None:
            topics = set(self._single.get(word, ()))
            for length in self._prefix_lengths:
                if length <= len(word):
                    topics |= self._prefix.get(word[:length], set())
            found = self._memo[word] = frozenset(topics)
            if found:
                self._hits.add(word)
        return found

    def match(self, text: str) -> list[str]:
        """The topics whose rules match `text`, in configuration order (remembered: a
        rebuild asks again about nearly every text)."""
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        self._asked.add(digest)
        return list(self._matched(digest, text))

    def match_paper(self, title: str, abstract: list[str]) -> list[str]:
        """`match` of a paper's title and abstract, remembered by the strings themselves
        too: a rebuild's papers hold the strings the last build's did (the parsed dumps'),
        which are looked up faster than they are joined and hashed."""
        strings = (title, *abstract)
        found = self._papers.get(strings)
        if found is None:
            if len(self._papers) > TEXTS_REMEMBERED:
                self._papers.clear()
            text = title + "\n" + "\n".join(abstract)
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            found = self._papers[strings] = (digest, self._matched(digest, text))
        self._asked.add(found[0])
        return list(found[1])

    def _matched(self, digest: bytes, text: str) -> tuple[str, ...]:
        found = self._texts.get(digest)
        if found is None:
            if len(self._texts) > TEXTS_REMEMBERED:
                self._texts.clear()
            found = self._texts[digest] = self._match(text)
        return found

    def known_matches(self) -> tuple[str, dict[bytes, tuple[str, ...]]]:
        """The rules, and what each text asked about since `remember_matches` matched."""
        return self.rules, {digest: self._texts[digest] for digest in self._asked
                            if digest in self._texts}

    def remember_matches(self, known: tuple[str, dict[bytes, tuple[str, ...]]] | None) -> None:
        """Take what an earlier build's matcher found, if it had the same rules."""
        self._asked.clear()
        if known and known[0] == self.rules and len(known[1]) <= TEXTS_REMEMBERED:
            self._texts.update(known[1])

    def _match(self, text: str) -> tuple[str, ...]:
        words = words_of(text)
        distinct = set(words)
        for word in distinct.difference(self._memo):
            self._word_topics(word)
        matched: set[str] = set()
        for word in distinct & self._hits:
            matched |= self._memo[word]
        firsts = distinct.intersection(self._phrases)
        if firsts:
            for index in [index for index, word in enumerate(words) if word in firsts]:
                for rest, slug in self._phrases[words[index]]:
                    if slug not in matched and _follows(words, index + 1, rest):
                        matched.add(slug)
        return tuple(slug for slug in self.order if slug in matched)


def _follows(words: list[str], start: int, rest: list[str]) -> bool:
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
