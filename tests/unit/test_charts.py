"""Our SVG charts: well-formed XML, named and described for screen readers, coloured by
classes only (no `style` attribute or element, which the CSP would block), and user text
escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from webapp.insights import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "quotes" \'too\''


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup, under test


def assert_accessible(svg: ET.Element, chart_id: str, title: str, desc: str) -> None:
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"{chart_id}-title"
    assert svg.get("aria-describedby") == f"{chart_id}-desc"
    title_el, desc_el = svg[0], svg[1]
    assert (title_el.tag, title_el.get("id"), title_el.text) == (f"{SVG}title", f"{chart_id}-title", title)
    assert (desc_el.tag, desc_el.get("id"), desc_el.text) == (f"{SVG}desc", f"{chart_id}-desc", desc)
    assert svg.get("viewBox", "").startswith("0 0 ")


def assert_no_inline_style(svg: ET.Element) -> None:
    for element in svg.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag != f"{SVG}style"
        assert not any(name.startswith("on") for name in element.attrib), element.attrib


LINE = charts.LineChart(
    dots=[3.0, None, 4.5, 1.0, None, None, 2.0],
    line=[None, None, 3.5, 3.0, 2.8, None, 2.5],
    y_labels={1: "awful", 2: "bad", 3: "okay", 4: "good", 5: "great"},
    x_labels=[(3, "4 Jun")],
)


def test_line_chart_has_dots_a_broken_line_and_labels():
    svg = parse(charts.line_chart("mood", "Mood", "Four days.", LINE))
    assert_accessible(svg, "mood", "Mood", "Four days.")
    assert_no_inline_style(svg)
    paths = {p.get("class"): p.get("d") for p in svg.iter(f"{SVG}path")}
    assert paths["chart-dots"].count("h0") == 4
    # The line lifts its pen at the gap: two runs, each starting with M.
    assert paths["chart-line"].count("M") == 2 and paths["chart-line"].count("L") == 2
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["awful", "bad", "okay", "good", "great", "4 Jun"]


def test_line_chart_with_no_data_draws_only_the_axes():
    empty = charts.LineChart(dots=[None] * 30, line=[None] * 30, y_labels=LINE.y_labels,
                             x_labels=[])
    svg = parse(charts.line_chart("mood", "Mood", "No check-ins yet.", empty))
    assert [p.get("class") for p in svg.iter(f"{SVG}path")] == ["chart-grid"]


def test_a_single_day_sits_in_the_middle():
    one = charts.LineChart(dots=[4.0], line=[None], y_labels=LINE.y_labels, x_labels=[])
    svg = parse(charts.line_chart("mood", "Mood", "One day.", one))
    [dots] = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "chart-dots"]
    assert dots.get("d").startswith(f"M{charts.LINE_LEFT + (charts.LINE_W - charts.LINE_LEFT - charts.LINE_RIGHT) // 2}")


def test_a_year_of_dots_is_one_element():
    year = charts.LineChart(dots=[3.0] * 365, line=[3.0] * 365, y_labels=LINE.y_labels,
                            x_labels=[])
    svg = parse(charts.line_chart("mood", "Mood", "A year.", year))
    assert len(list(svg.iter(f"{SVG}path"))) == 3
    assert "dense" in [p.get("class") for p in svg.iter(f"{SVG}path")][1]


def test_pixel_calendar_groups_squares_by_level():
    rows = [charts.PixelRow("Jan", [0, 1, 5, 5, None]), charts.PixelRow("Feb", [3, 3])]
    svg = parse(charts.pixel_calendar("px", "Pixels", "Two months.", rows))
    assert_accessible(svg, "px", "Pixels", "Two months.")
    assert_no_inline_style(svg)
    squares = {p.get("class"): p.get("d").count("z") for p in svg.iter(f"{SVG}path")}
    assert squares == {"px px-0": 1, "px px-1": 1, "px px-3": 2, "px px-5": 2}
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert labels[-2:] == ["Jan", "Feb"]


def test_bar_chart_draws_zero_as_a_sliver_and_none_as_words_only():
    groups = [charts.BarGroup("First", [charts.Bar(0, "the same day"),
                                        charts.Bar(None, "not yet"),
                                        charts.Bar(4, "4 days", css="bar bar-alt")])]
    svg = parse(charts.bar_chart("bars", "Bars", "Three bars.", groups, maximum=4))
    assert_accessible(svg, "bars", "Bars", "Three bars.")
    assert_no_inline_style(svg)
    rects = list(svg.iter(f"{SVG}rect"))
    assert [r.get("class") for r in rects] == ["bar", "bar bar-alt"]
    assert float(rects[0].get("width")) == 2 and float(rects[1].get("width")) == 210
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["First", "the same day", "not yet",
                                                        "4 days"]


def test_a_bar_chart_with_nothing_to_scale_does_not_divide_by_zero():
    svg = parse(charts.bar_chart("bars", "Bars", "Nothing.", [], maximum=0))
    assert svg.get("viewBox") == "0 0 340 1"


@pytest.mark.parametrize("where", ["title", "desc", "label"])
def test_user_text_is_escaped(where):
    title = HOSTILE if where == "title" else "Bars"
    desc = HOSTILE if where == "desc" else "Words."
    label = HOSTILE if where == "label" else "Exercise"
    markup = charts.bar_chart("bars", title, desc, [charts.BarGroup(label, [])], maximum=5)
    assert "<script>" not in markup
    svg = parse(markup)  # still well-formed
    assert HOSTILE in [svg[0].text, svg[1].text] + [t.text for t in svg.iter(f"{SVG}text")]
