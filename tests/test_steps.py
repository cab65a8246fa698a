"""Each step of a build on its own (build.py: parse -> model -> similar papers -> pages ->
render -> search index -> write), on the repository's own dumps, checked against what
the whole build of the same digest wrote (`seed_site`)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from sitegen.build import build, read_digest, with_similar_papers
from sitegen.parse_step import parse_dumps, read_sources
from sitegen.cache import BuildCache
from sitegen.config import load_config
from sitegen.content.dumps import parse_dump_bytes
from sitegen.content.model import build_digest
from sitegen.content.topics import TopicMatcher
from sitegen.output import BUILD_MARKER
from sitegen.keys import PageKeys
from sitegen.site.files import data_files, page_files
from sitegen.site.pages import Page, site_pages, topic_names
from sitegen.site.render import Renderer, make_environment
from sitegen.search_job import SearchJob
from sitegen.render_step import render_and_write


@pytest.fixture(scope="module")
def config(seed_site):
    return load_config(seed_site.config)


@pytest.fixture(scope="module")
def digest(config):
    """The model with similar papers, as the build makes it."""
    digest, _ = with_similar_papers(read_digest(config))
    return digest


def test_parse_reads_every_dump_and_leaves_the_topic_answers_in_the_matcher(config):
    sources, problems = read_sources(config)
    contents = [(source.display, data, source.format) for source, data in sources]
    matcher = TopicMatcher(config.topics)
    dumps = parse_dumps(contents, matcher)
    assert problems == [] and len(dumps) == len(config.sources) == 3
    for (display, data, shape), dump in zip(contents, dumps):
        assert dump == parse_dump_bytes(data, display, shape)
    rules, known = matcher.known_matches()
    assert len(known) == len({(e.title, tuple(e.abstract)) for dump in dumps for e in dump.entries})


def test_the_model_asks_the_matcher_it_is_handed_and_no_other(config):
    sources, _ = read_sources(config)
    dumps = parse_dumps([(source.display, data, source.format) for source, data in sources],
                        TopicMatcher(config.topics))
    asked = []

    class Counting(TopicMatcher):
        def match_paper(self, title, abstract):
            asked.append(title)
            return super().match_paper(title, abstract)

    digest = build_digest(config, [(source, dump) for (source, _), dump in zip(sources, dumps)],
                          Counting(config.topics))
    assert sorted(asked) == sorted(paper.title for paper in digest.papers)
    assert digest.entry_count == sum(len(dump.entries) for dump in dumps)
    assert digest.papers == sorted(digest.papers, key=lambda p: (-(p.date.toordinal() if p.date else 0),
                                                                 -(p.upvotes or 0), p.key, p.slug))
    assert all(paper.topics for paper in digest.papers) and digest.similar == {}


def test_similar_papers_make_a_new_model_and_leave_the_one_given_as_it_was(config):
    model = read_digest(config)
    before = copy.deepcopy(model)
    with_similar, similarity = with_similar_papers(model)
    assert model == before and model.similar == {}
    assert with_similar.papers is model.papers  # the papers themselves are not copied
    assert set(with_similar.similar) == {paper.slug for paper in model.papers}
    assert all(slug not in nearest and len(nearest) <= 5 for slug, nearest in with_similar.similar.items())
    again, _ = with_similar_papers(model, similarity)  # from the last answer: the same answer
    assert again.similar == with_similar.similar


def output_files(digest, config):
    return data_files(digest, config) + page_files(site_pages(digest, config),
                                                   Renderer(make_environment(config)))


def test_pages_lay_out_every_file_of_the_site_once_and_render_none_yet(config, digest, seed_site,
                                                                      monkeypatch):
    rendered = []
    monkeypatch.setattr(Renderer, "render", lambda *args: rendered.append(args))
    files = output_files(digest, config)
    paths = [file.path for file in files]
    assert len(paths) == len(set(paths))
    assert {f"papers/{paper.slug}/index.html" for paper in digest.papers} <= set(paths)
    assert {f"topics/{group.topic.slug}/index.html" for group in digest.topics} <= set(paths)
    assert {f"days/{day.isoformat()}/index.html" for day in digest.days} <= set(paths)
    built = {path.relative_to(seed_site.output).as_posix() for path in seed_site.output.rglob("*")
             if path.is_file()}
    assert set(paths) == {path for path in built if not path.startswith(("static/", "search/"))
                          and path != BUILD_MARKER} | {"search/index.html"}
    assert rendered == []


def test_pages_are_plain_data_whose_every_value_a_key_can_fingerprint(config, digest):
    pages = site_pages(digest, config)
    assert pages and all(isinstance(page, Page) for page in pages)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pages[0].path = "elsewhere.html"
    keys = PageKeys("the templates")
    assert all(keys.key(page.template, page.view) is not None for page in pages)  # no function in a view
    assert site_pages(digest, config) == pages  # the same model, the same pages


def test_render_writes_what_the_whole_build_wrote_and_then_only_what_differs(config, digest, seed_site,
                                                                              tmp_path):
    files = [file for file in output_files(digest, config) if file.path.startswith(("papers/", "topics/"))]
    targets = [tmp_path / file.path for file in files]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    outcome = render_and_write(files, targets, lambda message: None)
    assert len(outcome.written) == len(files)
    for file, target in zip(files, targets):
        assert target.read_bytes() == (seed_site.output / file.path).read_bytes(), file.path
    found = {file.path: (seed_site.output / file.path, (seed_site.output / file.path).stat().st_size)
             for file in files}
    again = render_and_write(files, [tmp_path / "again" / file.path for file in files],
                             lambda message: None, found)
    assert again.unchanged == {file.path for file in files} and not again.written
    assert not (tmp_path / "again").exists()


def test_the_search_index_step_writes_the_search_folder_the_whole_build_wrote(digest, seed_site, tmp_path):
    outcome = SearchJob(digest, topic_names(digest)).run(tmp_path)
    made = {path.relative_to(tmp_path).as_posix(): path.read_bytes()
            for path in (tmp_path / "search").rglob("*") if path.is_file()}
    built = {path.relative_to(seed_site.output).as_posix(): path.read_bytes()
             for path in (seed_site.output / "search").rglob("*") if path.is_file()}
    del built["search/index.html"]  # the search page is a page like the others
    assert made == built and set(outcome.search_keys) == set(built)
    same_inputs = SearchJob(digest, topic_names(digest), previous_key=outcome.search_key).run(tmp_path / "no")
    assert same_inputs.search_keys == {} and not (tmp_path / "no").exists()


def test_write_swaps_a_whole_site_in_then_updates_it_in_place(seed_site, tmp_path):
    config = dataclasses.replace(load_config(seed_site.config), output=tmp_path / "out")
    cache = BuildCache()
    first = build(config, cache=cache)
    assert not first.in_place and tree(config.output) == tree(seed_site.output)
    again = build(config, cache=cache)
    assert again.in_place and again.files == 0 and again.removed == 0
    assert tree(config.output) == tree(seed_site.output)
    assert [path.name for path in tmp_path.iterdir()] == ["out"]  # no staging or scratch folder left


def tree(folder) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*")
            if path.is_file()}


def test_a_build_tells_each_steps_time_as_it_goes(seed_site, tmp_path):
    said = []
    config = dataclasses.replace(load_config(seed_site.config), output=tmp_path / "out")
    report = build(config, progress=said.append)
    steps = ["parsed 3 dumps in", "modelled 208 papers in", "found similar papers in", "laid out",
             "rendered", "built the search index in", "wrote"]
    shown = [next((n for n, line in enumerate(said) if line.startswith(step)), None) for step in steps]
    assert None not in shown and shown == sorted(shown), said
    assert set(report.timings) == {"parse", "model", "similar", "pages", "render", "search index", "write"}
