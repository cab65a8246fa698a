"""How templates escape what they print: HTML output, and text in a URL's query.

Autoescaped output for Jinja without a Markup object per value.  With
autoescaping on, Jinja compiles `{{ value }}` to `markupsafe.escape(value)`,
which wraps every escaped value in a new Markup string only for the page to join
it with the rest: at 10,000 papers a build prints ~1.3 million values, and the
wrapping was a sixth of all rendering time.  `Environment` compiles templates
to call `escape_output` instead, which gives the same text as a plain string:
the same five characters replaced the same way (`&`, `<`, `>`, `'`, `"`), a
value with `__html__` (Markup, `|safe`) taken as it is, anything else turned
into a string first.  Everything else about escaping (constants, `~`, macros,
filters, `{% autoescape %}` blocks) is Jinja's own.

`search_query` is `urllib.parse.quote_plus`, with ASCII text translated in one
pass (every paper page links three searches for its title).
"""

from __future__ import annotations

from urllib.parse import quote_plus

import jinja2
import markupsafe
from jinja2.compiler import CodeGenerator as _JinjaCodeGenerator


def _escape_text_in_python(text: str) -> str:
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


# MarkupSafe's own C function for the replacing, where it has one (exactly the above).
_escape_text = getattr(markupsafe, "_escape_inner", None) or _escape_text_in_python


def escape_output(value) -> str:
    """`str(markupsafe.escape(value))`, faster."""
    if type(value) is str:
        return _escape_text(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_text(str(value))


class CodeGenerator(_JinjaCodeGenerator):
    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.escape_output(")
            if finalize.src is not None:
                self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)


class Environment(jinja2.Environment):
    # Should a Jinja release compile output differently, its own code generator is used.
    if hasattr(_JinjaCodeGenerator, "_output_child_pre"):
        code_generator_class = CodeGenerator
    escape_output = staticmethod(escape_output)


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_QUERY_ASCII = str.maketrans({chr(code): "+" if code == 32 else chr(code) if chr(code) in _UNRESERVED
                              else f"%{code:02X}" for code in range(128)})


def search_query(text: str) -> str:
    """`quote_plus(text)`: text for a URL's query string."""
    return text.translate(_QUERY_ASCII) if text.isascii() else quote_plus(text)
