"""Text for a URL's query string, as templates write it (`search_query`).

HTML escaping itself is Jinja's own autoescaping (see `site.render._environment`).
`search_query` is `urllib.parse.quote_plus`, with ASCII text translated in one
pass (every paper page links three searches for its title).
"""

from __future__ import annotations

from urllib.parse import quote_plus

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_QUERY_ASCII = str.maketrans({chr(code): "+" if code == 32 else chr(code) if chr(code) in _UNRESERVED
                              else f"%{code:02X}" for code in range(128)})


def search_query(text: str) -> str:
    """`quote_plus(text)`: text for a URL's query string."""
    return text.translate(_QUERY_ASCII) if text.isascii() else quote_plus(text)
