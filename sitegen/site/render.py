"""The render step's Jinja side: a build's environment (autoescaping, the filters the
templates use, compiled templates kept between builds) and the `Renderer` that renders a
`Page` through it, with one message for a template that fails.

Templates autoescape everything; text from a dump is only ever a value in a template,
never a template itself.
"""

from __future__ import annotations

import json

import jinja2
from markupsafe import Markup

from ..config import SiteConfig
from ..content.model import MONTH_ABBREVIATIONS, format_date
from ..errors import BuildError
from ..escaping import search_query
from ..prose import markdown_html, plain_text
from .pages import Page
from .theme import template_dirs

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def make_environment(config: SiteConfig) -> jinja2.Environment:
    """A build's own Jinja environment (its templates come compiled from the build cache's
    `CompiledTemplates` when they are unchanged)."""
    return _environment(tuple(str(folder) for folder in template_dirs(config)))


def _environment(folders: tuple[str, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(folders)),
        auto_reload=False,  # a build's environment serves that build alone
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = lambda text: Markup(markdown_html(text))
    env.filters["plain"] = plain_text
    env.filters["date"] = format_date
    env.filters["search_query"] = search_query
    env.filters["topic_name"] = lambda slug, names: names[slug]
    env.filters["tojson_script"] = json_for_script
    env.globals["month_name"] = lambda month: MONTH_NAMES[month - 1]
    env.globals["month_abbreviation"] = lambda month: MONTH_ABBREVIATIONS[month - 1]
    return env


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates' compiled code, kept in the build cache between command-line builds
    (compiling them takes 0.1 s) by Jinja's own bucket key (template name and file) and
    checked by it against the source's checksum.  (The cache holds only what this very
    code of sitegen made: the code that templates compile to is sitegen's.)"""

    def __init__(self, store: dict[str, bytes]):
        self.store = store

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def json_for_script(value) -> Markup:
    """JSON that is safe inside a <script> element and in HTML text."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def load_templates(env: jinja2.Environment) -> None:
    """Compile every template now (those a page extends, includes or imports are otherwise
    compiled as it first renders: in each forked renderer, and in `serve` as a page is
    first asked for).  One that fails is left to fail where a page uses it."""
    for name in env.list_templates():
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass


class Renderer:
    """Pages rendered through one build's Jinja environment, each template loaded once.
    A template that fails tells where, as `file:line: message` (`_error`), never with a
    traceback."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self._templates: dict[str, jinja2.Template] = {}

    def template(self, name: str) -> jinja2.Template:
        template = self._templates.get(name)
        if template is None:
            try:
                template = self._templates[name] = self.env.get_template(name)
            except (jinja2.TemplateSyntaxError, jinja2.TemplateNotFound) as error:
                raise self._error(error, name) from None
        return template

    def render(self, page: Page) -> str:
        template = self.template(page.template)
        try:
            return template.render(page.view)
        except Exception as error:  # a template bug: name the template file and line, no traceback
            raise self._error(error, page.template, page.path) from None

    def _error(self, error: Exception, name: str, page_path: str | None = None) -> BuildError:
        """The one message for a template that fails: loading, or rendering `page_path`."""
        if isinstance(error, jinja2.TemplateSyntaxError):
            return BuildError(f"{error.filename or name}:{error.lineno}: template syntax error: "
                              f"{error.message}")
        if isinstance(error, jinja2.TemplateNotFound) and page_path is None:
            return BuildError(f"template {error.name!r} not found in "
                              f"{', '.join(map(str, self.env.loader.searchpath))}")
        return BuildError(f"{_template_location(error, self._templates[name])}: template error while "
                          f"rendering {page_path}: {type(error).__name__}: {error}")


def _template_location(error: Exception, template: jinja2.Template) -> str:
    """The innermost template frame of the traceback, as `file:line`."""
    location = template.filename or template.name
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            location = f"{filename}:{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return location
