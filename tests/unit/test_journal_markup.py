"""The journal's Markdown and highlights are safe to show (TRUST.md SEC-24): an XSS corpus
in entry bodies comes out as text or not at all, and only allow-listed HTML is left."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from webapp.journal.markup import (
    CARD_EXCERPT,
    CARD_FULL_MAX,
    card,
    card_html,
    highlight,
    plain_text,
    render_markdown,
    snippet_text,
    whole_body,
)

TAGS = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
        "h2", "h3", "h4", "h5", "h6", "hr", "a"}
ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}
SCHEMES = ("http://", "https://", "mailto:")


class Elements(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser would parse it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def problems(html: str) -> list[str]:
    """What in `html` is not on the allow-list: a tag, an attribute, a link scheme."""
    found = []
    for tag, attrs in Elements(html).found:
        if tag not in TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name not in ATTRIBUTES.get(tag, set()):
                found.append(f"<{tag} {name}>")
            if name == "href" and not (value or "").lower().startswith(SCHEMES):
                found.append(f"href={value}")
            if name == "rel" and value != "noopener noreferrer nofollow":
                found.append(f"rel={value}")
    return found


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)><circle r=10 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "![pic](https://tracker.example/pixel.gif)",
    "<iframe src=https://evil.example></iframe>",
    '<div hx-get="/account/sessions" hx-trigger="load">x</div>',
    '<button hx-post="/journal/1/delete" hx-trigger="load">x</button>',
    '<p data-hx-get="/x" style="position:fixed">x</p>',
    "<details open ontoggle=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "<a href='x' onclick='alert(1)'>unclosed <b>bold",
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<!-- <script>alert(1)</script> -->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "<form action=https://evil.example><input name=p></form>",
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_nothing_dangerous_survives(payload):
    html = str(render_markdown(f"Before\n\n{payload}\n\nAfter"))
    assert not problems(html), html
    assert "Before" in html and "After" in html


def test_the_checker_catches_what_it_looks_for():
    """The control for the corpus: the same checks flag these when they are real HTML."""
    assert problems('<img src=x onerror="alert(1)">') == ["<img>", "<img src>", "<img onerror>"]
    assert problems('<a href="javascript:alert(1)" hx-get="/x">x</a>') == [
        "href=javascript:alert(1)", "<a hx-get>"]


def test_raw_html_is_shown_as_text_not_dropped():
    """The user typed it, so they see it; it just never becomes HTML."""
    html = str(render_markdown("I wrote <script>alert(1)</script> in my notes"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_becomes_the_allowed_html():
    html = str(render_markdown(
        "# Day one\n\n**bold** *it* ~~no~~ `code`\n\n- a\n- b\n\n1. one\n\n> quote\n\n---\n"
        "[site](https://example.com) [mail](mailto:me@example.com)"
    ))
    for tag in ("<h3>", "<strong>", "<em>", "<code>", "<ul>", "<ol>", "<li>",
                "<blockquote>", "<hr>"):
        assert tag in html, tag
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in html
    assert 'href="mailto:me@example.com"' in html


def test_links_other_than_http_and_mail_lose_their_href():
    html = str(render_markdown("[ftp](ftp://example.com/file) [rel](/journal/1)"))
    assert "ftp://" not in html
    assert 'href="/journal/1"' not in html or 'rel="noopener noreferrer nofollow"' in html


def test_an_image_becomes_a_link_and_never_loads():
    """No third-party requests when reading the journal (SEC-30)."""
    html = str(render_markdown("![a cat](https://cats.example/cat.png)"))
    assert "<img" not in html
    assert 'href="https://cats.example/cat.png"' in html


def test_fenced_code_keeps_no_class():
    html = str(render_markdown("```python\nprint('hi')\n```"))
    assert "<pre><code>" in html and "class=" not in html


def test_headings_start_at_the_given_level_and_never_skip():
    html = str(render_markdown("# One\n\n#### Four\n\n## Two", top_heading=2))
    assert re.findall(r"<h(\d)>", html) == ["2", "4", "3"]
    html = str(render_markdown("###### Six", top_heading=3))
    assert "<h3>Six</h3>" in html


def test_broken_markup_is_closed_or_escaped():
    html = str(render_markdown("**unclosed *emphasis [link](https://x.example\n\n<b>open"))
    assert html.count("<p>") == html.count("</p>")
    assert "<b>" not in html


def test_the_result_is_markup_so_jinja_does_not_escape_it_twice():
    assert isinstance(render_markdown("*hi*"), Markup)
    assert isinstance(highlight("a \x02b\x03"), Markup)


def test_highlights_escape_the_text_and_mark_only_the_sentinels():
    html = str(highlight("<script>alert(1)</script> \x02interview\x03 <b>\x02prep\x03</b>"))
    assert html == ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>interview</mark> "
                    "&lt;b&gt;<mark>prep</mark>&lt;/b&gt;")


def test_an_unpaired_sentinel_never_opens_a_tag():
    assert str(highlight("a \x02b \x03c\x03 \x02")) == "a <mark>b </mark>c "
    assert str(highlight(None)) == ""


def test_plain_text_drops_the_markdown_marks():
    assert plain_text("# Title\n\n**Bold** and `code`\nnext line") == "Title Bold and code next line"


def test_no_template_marks_text_safe_and_only_the_sanitiser_makes_markup():
    """SEC-24's lint: `|safe` in no template, and `Markup(` only in markup.py's sanitiser
    and in the chart helper, which builds SVG from escaped parts only (charts.py)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    unsafe = [str(path.relative_to(root)) for path in (root / "templates").rglob("*.html")
              if re.search(r"\|\s*safe\b", path.read_text())]
    assert not unsafe, f"|safe in {unsafe}"
    makers = [str(path.relative_to(root)) for path in (root / "webapp").rglob("*.py")
              if re.search(r"\bMarkup\(", path.read_text())]
    assert sorted(makers) == ["webapp/insights/charts.py", "webapp/journal/markup.py"], makers
    assert (root / "webapp/journal/markup.py").read_text().count("Markup(") == 1


# --- The card's HTML, kept with the entry --------------------------------------------------


def test_a_short_body_is_kept_rendered_for_its_card():
    body = "## Went well\n**Calm** and [clear](https://example.com)"
    assert card_html(body) == str(render_markdown(body, 3))
    assert str(card(body, card_html(body))) == str(render_markdown(body, 3))


def test_a_long_body_keeps_its_first_words_as_text():
    body = "**Bold** <b>not a tag</b> " + "word " * 200
    kept = card_html(body)
    assert "<strong>" not in kept and "&lt;b&gt;not a tag&lt;/b&gt;" in kept
    assert kept.endswith("...") and len(kept) < CARD_EXCERPT + 40
    assert str(card(body, kept)).startswith("Bold &lt;b&gt;not a tag&lt;/b&gt; word")
    assert len(body) > CARD_FULL_MAX >= len("x" * CARD_FULL_MAX)
    assert card_html("x" * CARD_FULL_MAX) == "<p>" + "x" * CARD_FULL_MAX + "</p>\n"


def test_the_whole_body_comes_from_the_card_only_when_the_card_is_the_whole_body():
    short = "## Went well\n**Calm** and [clear](https://example.com)"
    assert str(whole_body(short, card_html(short))) == str(render_markdown(short, 3))
    assert str(whole_body(short, "<p>kept</p>")) == "<p>kept</p>"  # the column is used...
    assert "<script" not in str(whole_body(short, "<p>kept</p><script>x()</script>"))  # ...cleaned
    long = "**Bold** " + "word " * 200
    assert str(whole_body(long, card_html(long))) == str(render_markdown(long, 3))
    assert str(whole_body(short, None)) == str(render_markdown(short, 3))


@pytest.mark.parametrize("stored", [
    '<p>ok</p><script>alert(1)</script>',
    '<p onclick="alert(1)" hx-get="/account/delete">ok</p>',
    '<a href="javascript:alert(1)">ok</a>',
    '<img src="https://tracker.example/p.gif"><p>ok</p>',
])
def test_what_the_column_holds_is_sanitised_again_when_shown(stored):
    """The column is never trusted: a row written some other way is cleaned on the way out."""
    shown = str(card("ok", stored))
    assert "ok" in shown and problems(shown) == []
    assert "script" not in shown and "alert" not in shown.replace("ok", "")


def test_an_entry_without_a_kept_card_renders_from_its_body():
    assert str(card("*new*", None)) == str(render_markdown("*new*", 3))
    assert str(card("*new*", "")) == ""  # kept empty (an empty body) stays empty


@pytest.mark.parametrize("snippet", [
    "# Title\n\n**Bold** and `code`\nnext line",
    "## Questions they asked\n- Tell me about \x02interview\x03s?\n  - nested *x*",
    "> quote \x02me\x03\n\n1. first\n2) second",
    "a\n\n---\n\nb",
    "[link](https://example.com) and <https://auto.example> \\*not\\*",
    "snake_case and 2 * 3, &amp; &lt;b&gt;",
    "**What happened:** a no after an \x02interview\x03 on 20 June.\n\n**Not about…",
])
def test_a_snippet_loses_its_marks_as_a_whole_entry_would(snippet):
    assert snippet_text(snippet) == plain_text(snippet)


def test_a_match_inside_code_still_shows_in_its_snippet():
    assert snippet_text("```\nrun \x02tests\x03 first\n```") == "run \x02tests\x03 first"
    assert snippet_text("    indented \x02code\x03") == "indented \x02code\x03"
