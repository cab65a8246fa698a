"""sitegen's templates escape output exactly as Jinja with MarkupSafe does."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest
from markupsafe import Markup

from sitegen.site.render import _environment

TEMPLATE = """\
{% macro card(value) %}<b title="{{ value }}">{{ value }}</b>{% endmacro %}
<p>{{ value }}</p><a href="{{ value ~ '/' }}">{{ card(value) }}</a>
{{ value | safe }} {{ value | e }} {{ value | upper }}
{% set kept %}<i>{{ value }}</i>{% endset %}{{ kept }}
{% autoescape false %}{{ value }}{% endautoescape %}{{ value }}
"""

VALUES = ["plain", """<script>alert("x" & 'y')</script>""", Markup("<em>safe</em>"), 42, 2.5, None,
          True, dt.date(2025, 6, 12), "", "ünïcødé — ☃ \u2028", "&amp; already"]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_output_is_byte_for_byte_what_jinja_and_markupsafe_give(value):
    ours = _environment(()).from_string(TEMPLATE)
    theirs = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                keep_trailing_newline=True).from_string(TEMPLATE)
    assert ours.render(value=value) == theirs.render(value=value)


def test_hostile_text_is_escaped_in_text_and_attributes():
    html = _environment(()).from_string('<a title="{{ v }}">{{ v }}</a>').render(v="\"><script>&'")
    assert html == '<a title="&#34;&gt;&lt;script&gt;&amp;&#39;">&#34;&gt;&lt;script&gt;&amp;&#39;</a>'


def test_undefined_values_fail_under_strict_undefined():
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        _environment(()).from_string("<p>{{ missing }}</p>").render()


@pytest.mark.parametrize("text", ["".join(map(chr, range(128))), "Spiking Nets: 50% faster & \"leaner\"/now?",
                                  "ünïcødé titles — ☃", "", "a+b=c #1"])
def test_search_query_is_quote_plus(text):
    from urllib.parse import quote_plus

    from sitegen.escaping import search_query
    assert search_query(text) == quote_plus(text)
