"""Turning what the user wrote into HTML that is safe to show (TRUST.md SEC-24).

Two ways in, one way out: Markdown bodies (markdown-it-py, CommonMark with raw HTML off)
and search highlights both end in `_sanitised`, the only place in the journal that makes a
`Markup`. Templates then wrap the result in an element with `hx-disable`, so htmx attributes
that somehow survived would still never run.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

# Enough for a journal: paragraphs, emphasis, lists, quotes, code, headings, links. No
# images (a picture from another site would tell that site when the journal is read, and
# SEC-30 allows no third parties), no tables, no classes or styles.
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "hr", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
LINK_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

# Sentinels the database puts around matched words: control characters no entry keeps
# (services strip them on save), so they can only come from the search.
MARK_START, MARK_END = "\x02", "\x03"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")

_md = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")

# The timeline shows a body up to this long whole; a longer one as its first words.
CARD_FULL_MAX = 800
CARD_EXCERPT = 320


def _sanitised(html: str, tags: set[str], attributes: dict[str, set[str]]) -> Markup:
    """The one place a string becomes Markup: after nh3 keeps only the allowed tags,
    attributes and link schemes."""
    clean = nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes=LINK_SCHEMES,
        link_rel=LINK_REL if "a" in tags else None,
        strip_comments=True,
    )
    # nh3's output, allow-listed above: the one Markup the journal makes.
    return Markup(clean)  # noqa: S704  # nosec B704


def _relevel_headings(tokens: list[Token], top: int) -> None:
    """Headings inside an entry start at `top` and never skip a level, whatever the user
    typed, so the page's outline stays in order for screen readers."""
    used = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    level = {old: min(6, top + n) for n, old in enumerate(used)}
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{level[int(token.tag[1])]}"


def render_markdown(text: str, top_heading: int = 3) -> Markup:
    """The entry's Markdown as sanitised HTML; its headings start at `top_heading`."""
    tokens = _md.parse(text or "")
    _relevel_headings(tokens, max(2, min(6, top_heading)))
    return _sanitised(_md.renderer.render(tokens, _md.options, {}), ALLOWED_TAGS,
                      ALLOWED_ATTRIBUTES)


def card_html(body: str) -> str:
    """What the timeline's card shows of a body, as HTML kept with the entry when it is
    saved: the whole body rendered (headings from h3) or, past CARD_FULL_MAX characters,
    its first words as plain text (escaped). Markdown is most of what a page of entries
    costs, so it is done once per save rather than on every page; `card` sanitises it again
    when it is shown, so what the column holds is never trusted."""
    if len(body or "") > CARD_FULL_MAX:
        return str(escape(_truncate(plain_text(body), CARD_EXCERPT)))
    return str(render_markdown(body, 3))


def card(body: str, stored: str | None) -> Markup:
    """The card's HTML for an entry: `stored` (its card_html) sanitised, or, for an entry
    written without one (by SQL of its own, say), made from the body now."""
    return _sanitised(card_html(body) if stored is None else stored, ALLOWED_TAGS,
                      ALLOWED_ATTRIBUTES)


def whole_body(body: str, stored: str | None) -> Markup:
    """The whole body as HTML, headings from h3: its stored card when that holds the whole
    body (bodies up to CARD_FULL_MAX), sanitised again as `card` does; else rendered now."""
    if stored is not None and len(body or "") <= CARD_FULL_MAX:
        return _sanitised(stored, ALLOWED_TAGS, ALLOWED_ATTRIBUTES)
    return render_markdown(body, 3)


def _truncate(text: str, length: int, end: str = "...", leeway: int = 5) -> str:
    """Jinja's `truncate` filter, which the card used: whole words, "..." at the end, and
    text only a little over `length` kept whole."""
    if len(text) <= length + leeway:
        return text
    return text[: length - len(end)].rsplit(" ", 1)[0] + end


def highlight(marked: str | None) -> Markup:
    """Text from the database with matches between sentinels: escaped first, then each
    sentinel pair becomes <mark>. Whatever HTML the text held stays text."""
    escaped = str(escape(marked or ""))
    html = _MARKED.sub(r"<mark>\1</mark>", escaped)
    html = html.replace(MARK_START, "").replace(MARK_END, "")  # an unpaired one, if any
    return _sanitised(html, {"mark"}, {})


# A line's block marks in a search snippet: a heading's #s, a quote's >, a list's bullet
# or number (nested ones too, taken off one by one); and lines that are only a code fence
# or a rule.
_BLOCK_MARK = re.compile(r"^ {0,3}(?:#{1,6}(?=\s|$)|>|[-*+](?=\s)|\d{1,9}[.)](?=\s))\s*")
_FENCE_OR_RULE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}|(?:[-*_][ \t]*){3,}$)")


def snippet_text(snippet: str) -> str:
    """The words of a search snippet (a few lines cut from an entry, matches marked with the
    sentinels) without Markdown's marks, as `plain_text` gives them for whole entries, at
    half its cost: block marks go line by line and only the inline Markdown (emphasis,
    code, links, escapes) is parsed. Each result of a search page pays this, where parsing
    each snippet as a document was most of a full page's time. Unlike `plain_text`, code
    keeps its words: a match inside a code block still shows."""
    lines = []
    for line in (snippet or "").split("\n"):
        if _FENCE_OR_RULE.match(line):
            continue
        bare = _BLOCK_MARK.sub("", line, count=1)
        while bare != line:
            line, bare = bare, _BLOCK_MARK.sub("", bare, count=1)
        lines.append(line)
    words = []
    for block in _md.parseInline("\n".join(lines)):
        for token in block.children or ():
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
    return " ".join("".join(words).split())


def plain_text(text: str) -> str:
    """The words of the Markdown without its marks, for a short excerpt (Jinja escapes it)."""
    words = []
    for block in _md.parse(text or ""):
        for token in block.children or ():
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
        if block.type in ("paragraph_close", "heading_close"):
            words.append(" ")
    return " ".join("".join(words).split())
