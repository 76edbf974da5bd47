"""Rich text from another organisation, made safe to show inside the exporters' portal.

A risk article's body is HTML the insurer wrote; the portal draws it inside its own pages,
where a script, an ``onerror`` handler, a ``javascript:`` link or a CSS expression would
run with the exporter's session. The body is cleaned once, as it arrives, by a real HTML
parser and allow-list (nh3, the Rust ``ammonia`` sanitizer), never by patterns: only the
tags and attributes an article needs survive, links keep only http, https and mailto,
``style`` attributes go (CSS is where expressions and ``url(javascript:…)`` hide), and
``script``/``style`` elements go with their content. The document as received stays in
the inbox, so nothing the insurer sent is lost.
"""

from __future__ import annotations

import nh3

_TAGS = frozenset({
    "p", "br", "hr", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i",
    "u", "s", "sub", "sup", "blockquote", "pre", "code", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "a", "img", "figure",
    "figcaption",
})
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with everything inside them, not just unwrapped.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "noscript", "template", "iframe", "object",
                                   "embed", "svg", "math"})


def sanitize(html: str) -> str:
    """The allow-listed part of ``html``; links open without handing the portal's window over."""
    return nh3.clean(html, tags=set(_TAGS), clean_content_tags=set(_DROPPED_WITH_CONTENT),
                     attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
                     url_schemes=set(_SCHEMES), link_rel="noopener noreferrer nofollow",
                     strip_comments=True)
