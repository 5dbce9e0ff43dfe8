"""The one place where Markdown becomes HTML: CommonMark (markdown-it-py), then bleach."""
from __future__ import annotations

from functools import lru_cache

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _link_open(self, tokens, idx, options, env):
    """External links open in a new tab without giving it access to this one."""
    token = tokens[idx]
    if str(token.attrGet("href") or "").startswith(("http://", "https://")):
        token.attrSet("rel", "noopener noreferrer")
        token.attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)

ALLOWED_TAGS = [
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
]
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel", "target"], "img": ["src", "alt", "title"],
                      "code": ["class"], "ol": ["start"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]


def render(text: str) -> Markup:
    return _render(text or "")


@lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    """Cached by text: a lesson is parsed and sanitised once per process, not at every view."""
    html = _md.render(text)
    return Markup(bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                               protocols=ALLOWED_PROTOCOLS, strip=True))
