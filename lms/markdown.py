"""The one place where Markdown becomes HTML: CommonMark (markdown-it-py), then bleach."""
from __future__ import annotations

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = [
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
]
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title"],
                      "code": ["class"], "ol": ["start"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]


def _link_attrs(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if href.startswith(("http://", "https://")):
        attrs[(None, "rel")] = "noopener noreferrer"
        attrs[(None, "target")] = "_blank"
    return attrs


def render(text: str) -> Markup:
    html = _md.render(text or "")
    clean = bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         protocols=ALLOWED_PROTOCOLS, strip=True)
    clean = bleach.linkify(clean, callbacks=[_link_attrs], skip_tags=["pre", "code"], parse_email=False)
    return Markup(clean)
