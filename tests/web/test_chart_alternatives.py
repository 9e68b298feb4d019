"""Charts have text alternatives and their data as tables (WCAG 2.1, 1.1.1), checked in the HTML.

On the patient page every chart (inline SVG) is an image named by its title and described point by point,
and the table under it holds the plotted numbers: the expected (day, value) pairs are computed here from
the records stored for the patient (day = record date − infusion date), not from the page's code. On the
outcomes page every figure (PNG) has an alternative text and a caption.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.test import Client

from remission.registry.models import Assessment, Infusion, LabResult
from remission.web.charts import Point, line_chart
from tests.registry.conftest import World

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(
            " ".join((c if isinstance(c, str) else c.text()).split()) for c in self.children
        ).strip()

    def find_all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    found.append(child)
                found += child.find_all(tag)
        return found

    def by_id(self, ident: str) -> Node | None:
        for node in [self, *self.descendants()]:
            if node.attrs.get("id") == ident:
                return node
        return None

    def descendants(self) -> list[Node]:
        nodes = []
        for child in self.children:
            if isinstance(child, Node):
                nodes += [child, *child.descendants()]
        return nodes


class TreeBuilder(HTMLParser):
    """A small DOM: enough to find elements, their attributes and their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def number(text: str) -> float:
    """A number as the page writes it for people ("1,234.5", "12 000") back to a float."""
    return float(re.sub(r"[,\s\u00a0\u202f]", "", text))


def _assert_named_and_described(svg: Node) -> tuple[str, str]:
    """The SVG is an image whose name and description resolve to non-empty text inside it."""
    assert svg.attrs.get("role") == "img"
    assert not svg.attrs.get("tabindex")
    name_node = svg.by_id(svg.attrs["aria-labelledby"])
    desc_node = svg.by_id(svg.attrs["aria-describedby"])
    assert name_node is not None and name_node.tag == "title" and name_node.text()
    assert desc_node is not None and desc_node.tag == "desc" and desc_node.text()
    return name_node.text(), desc_node.text()


def test_a_chart_is_an_image_named_by_its_title_and_described_point_by_point() -> None:
    points = [Point(100, 512.0, "D+100"), Point(-14, 820.5, "baseline"), Point(30, 0.45, "D+30")]
    svg = parse(str(line_chart("CD4+ T cells (cells/µL)", points, unit="cells/µL"))).find_all("svg")[0]
    name, description = _assert_named_and_described(svg)
    assert name == "CD4+ T cells (cells/µL)"
    assert description == (
        "CD4+ T cells (cells/µL): day -14: 820.5 cells/µL; day 30: 0.45 cells/µL; day 100: 512 cells/µL"
    )


def test_two_charts_on_one_page_name_themselves_with_distinct_ids() -> None:
    first = str(line_chart("mRSS", [Point(0, 20.0), Point(180, 12.0)]))
    second = str(line_chart("mRSS", [Point(0, 25.0), Point(180, 9.0)]))
    third = str(line_chart("HAQ-DI", [Point(0, 20.0), Point(180, 12.0)]))
    ids = [parse(s).find_all("svg")[0].attrs["aria-labelledby"] for s in (first, second, third)]
    assert len(set(ids)) == 3


def test_no_chart_without_points() -> None:
    assert str(line_chart("empty", [])) == ""


def _figures_of(page: Node, heading_id: str) -> list[Node]:
    section = next(s for s in page.find_all("section") if s.attrs.get("aria-labelledby") == heading_id)
    return section.find_all("figure")


def _table_pairs(figure: Node) -> list[tuple[int, float]]:
    table = figure.find_all("table")[0]
    assert table.find_all("caption")[0].text(), "the chart's table has no caption"
    assert all(th.attrs.get("scope") == "col" for th in table.find_all("thead")[0].find_all("th"))
    pairs = []
    for row in table.find_all("tbody")[0].find_all("tr"):
        header, value = row.find_all("th")[0], row.find_all("td")[0]
        assert header.attrs.get("scope") == "row"
        pairs.append((int(header.text().replace("−", "-")), number(value.text())))
    return pairs


def _check_charts(figures: list[Node], expected: Counter[tuple[int, float]], series: int) -> None:
    assert len(figures) == series
    shown: Counter[tuple[int, float]] = Counter()
    for figure in figures:
        svg = figure.find_all("svg")[0]
        name, description = _assert_named_and_described(svg)
        assert figure.find_all("figcaption")[0].text() == name
        pairs = _table_pairs(figure)
        for day, _value in pairs:
            assert f"day {day}:" in description
        shown.update((day, round(value, 2)) for day, value in pairs)
    assert shown == expected


def test_the_patient_page_charts_carry_their_numbers_as_tables(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    patient = world.patient_a
    day0 = Infusion.objects.filter(patient=patient).order_by("date").first().date
    labs = LabResult.objects.filter(patient=patient)
    scores = Assessment.objects.filter(patient=patient, score__isnull=False)
    assert labs.exists() and scores.exists(), "the world's patient should have charts to show"
    html = signed_in("dm_a").get(f"/patients/{patient.registry_id}/").content.decode()
    page = parse(html)
    _check_charts(
        _figures_of(page, "immune-h"),
        Counter(((lab.date - day0).days, round(lab.value, 2)) for lab in labs),
        len({(lab.analyte, lab.unit) for lab in labs}),
    )
    _check_charts(
        _figures_of(page, "scores-h"),
        Counter(((a.date - day0).days, round(a.score, 2)) for a in scores),
        len({a.instrument for a in scores}),
    )


def test_every_outcomes_figure_has_an_alternative_text_and_a_caption(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    page = parse(signed_in("stat").get("/outcomes/").content.decode())
    main = page.find_all("main")[0]
    figures = main.find_all("figure")
    assert figures, "the outcomes page should show figures"
    for figure in figures:
        image = figure.find_all("img")[0]
        assert image.attrs.get("alt", "").strip(), f"a figure without alternative text: {figure.text()}"
        assert figure.find_all("figcaption")[0].text()
    assert len(main.find_all("img")) == len(figures)
