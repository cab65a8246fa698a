"""sitegen's Jinja environment escapes output exactly as Jinja with MarkupSafe does."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from markupsafe import Markup

from sitegen.escaping import Environment, _escape_text_in_python, escape_output

TEMPLATE = """\
{% macro card(value) %}<b title="{{ value }}">{{ value }}</b>{% endmacro %}
<p>{{ value }}</p><a href="{{ value ~ '/' }}">{{ card(value) }}</a>
{{ value | safe }} {{ value | e }} {{ value | upper }}
{% set kept %}<i>{{ value }}</i>{% endset %}{{ kept }}
{% autoescape false %}{{ value }}{% endautoescape %}{{ value }}
"""

VALUES = ["plain", """<script>alert("x" & 'y')</script>""", Markup("<em>safe</em>"), 42, 2.5, None,
          True, dt.date(2025, 6, 12), "", "ünïcødé — ☃ \u2028", "&amp; already"]


def environments(**options):
    return (jinja2.Environment(autoescape=True, **options), Environment(autoescape=True, **options))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_output_is_byte_for_byte_what_jinja_and_markupsafe_give(value):
    theirs, ours = (env.from_string(TEMPLATE) for env in environments())
    assert ours.render(value=value) == theirs.render(value=value)


def test_every_escaped_character_and_an_object_with_html():
    class Link:
        def __html__(self):
            return '<a href="/">home</a>'

    text = "&<>'\" and text"
    assert escape_output(text) == _escape_text_in_python(text) == str(Markup.escape(text))
    assert escape_output(Link()) == '<a href="/">home</a>'
    assert escape_output(7) == "7"


def test_undefined_values_still_fail_under_strict_undefined():
    theirs, ours = environments(undefined=jinja2.StrictUndefined)
    for env in (theirs, ours):
        with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
            env.from_string("<p>{{ missing }}</p>").render()


def test_templates_compile_to_the_fast_escape():
    source = Environment(autoescape=True).compile("{{ value }}", raw=True)
    assert "environment.escape_output(" in source


@pytest.mark.parametrize("text", ["".join(map(chr, range(128))), "Spiking Nets: 50% faster & \"leaner\"/now?",
                                  "ünïcødé titles — ☃", "", "a+b=c #1"])
def test_search_query_is_quote_plus(text):
    from urllib.parse import quote_plus

    from sitegen.escaping import search_query
    assert search_query(text) == quote_plus(text)
