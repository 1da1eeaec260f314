from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils.safestring import SafeString

from continuity.sparkline import PADDING, sparkline

NS = {"svg": "http://www.w3.org/2000/svg"}
UNTIL = dt.datetime(2025, 3, 29, 12, tzinfo=dt.UTC)
SINCE = UNTIL - dt.timedelta(days=28)
WIDTH, HEIGHT = 120, 28


def day(n: float) -> dt.datetime:
    return SINCE + dt.timedelta(days=n)


def draw(points, **kwargs) -> ET.Element:
    svg = sparkline(points, since=SINCE, until=UNTIL, **kwargs)
    assert isinstance(svg, SafeString)
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to check it is well formed


def polyline_points(root: ET.Element) -> list[tuple[float, float]]:
    polyline = root.find("svg:polyline", NS)
    assert polyline is not None
    return [tuple(map(float, pair.split(","))) for pair in polyline.get("points").split()]


def test_the_svg_is_well_formed_and_describes_itself():
    root = draw([(day(1), 6), (day(10), 5), (day(20), 7), (day(27), 4)])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("class") == "spark"
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    words = "Mood: 4 check-ins over 28 days, latest 4 of 10"
    assert root.get("aria-label") == words
    assert root.find("svg:title", NS).text == words
    assert root.find("svg:polyline", NS).get("stroke") == "currentColor"


def test_one_polyline_point_per_check_in_and_a_dot_on_the_latest():
    root = draw([(day(20), 7), (day(1), 6), (day(10), 5)])  # any order
    points = polyline_points(root)
    assert len(points) == 3
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    circle = root.find("svg:circle", NS)
    assert (float(circle.get("cx")), float(circle.get("cy"))) == points[-1]
    assert root.get("aria-label").endswith("latest 7 of 10")


def test_a_high_mood_is_drawn_above_a_low_one():
    (_, y_high), (_, y_mid), (_, y_low) = polyline_points(
        draw([(day(1), 10), (day(2), 5), (day(3), 0)])
    )
    assert y_high < y_mid < y_low
    assert (y_high, y_mid, y_low) == (PADDING, HEIGHT / 2, HEIGHT - PADDING)


def test_the_edges_of_the_window_map_to_the_padded_edges_of_the_box():
    (x_first, _), (x_middle, _), (x_last, _) = polyline_points(
        draw([(SINCE, 5), (day(14), 5), (UNTIL, 5)])
    )
    assert (x_first, x_middle, x_last) == (PADDING, WIDTH / 2, WIDTH - PADDING)


def test_coordinates_are_rounded_to_one_decimal():
    root = draw([(day(1), 3), (day(2), 7)])
    for x, y in polyline_points(root):
        assert round(x, 1) == x
        assert round(y, 1) == y
    raw = root.find("svg:polyline", NS).get("points")
    assert all(len(number.partition(".")[2]) <= 1 for number in raw.replace(",", " ").split())


def test_check_ins_outside_the_window_are_dropped():
    before, after = SINCE - dt.timedelta(seconds=1), UNTIL + dt.timedelta(days=1)
    root = draw([(before, 9), (day(5), 3), (day(6), 4), (after, 1)])
    assert len(polyline_points(root)) == 2
    assert root.get("aria-label") == "Mood: 2 check-ins over 28 days, latest 4 of 10"


def test_a_mood_off_the_scale_is_drawn_at_the_edge():
    (_, y_over), (_, y_under) = polyline_points(draw([(day(1), 14), (day(2), -3)]))
    assert (y_over, y_under) == (PADDING, HEIGHT - PADDING)


def test_a_custom_scale_and_size():
    root = draw([(day(0), 1), (day(28), 5)], low=1, high=5, width=60, height=20)
    assert polyline_points(root) == [(PADDING, 20 - PADDING), (60 - PADDING, PADDING)]
    assert root.get("viewBox") == "0 0 60 20"
    assert root.get("aria-label").endswith("latest 5 of 5")


def test_one_check_in_is_a_dot():
    root = draw([(day(14), 10)])
    assert root.find("svg:polyline", NS) is None
    circle = root.find("svg:circle", NS)
    assert (float(circle.get("cx")), float(circle.get("cy"))) == (WIDTH / 2, PADDING)
    assert root.get("aria-label") == "Mood: 1 check-in over 28 days, latest 10 of 10"


@pytest.mark.parametrize("points", [[], [(SINCE - dt.timedelta(days=1), 5)]])
def test_no_check_ins_is_a_faint_line_across_the_middle(points):
    root = draw(points)
    assert root.find("svg:polyline", NS) is None
    assert root.find("svg:circle", NS) is None
    line = root.find("svg:line", NS)
    assert float(line.get("y1")) == float(line.get("y2")) == HEIGHT / 2
    assert line.get("stroke") == "currentColor"
    assert float(line.get("stroke-opacity")) < 1
    assert root.get("aria-label") == "Mood: no check-ins in the last 28 days"
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"  # the column stays aligned


def test_the_label_is_escaped():
    label = '<script>alert("x")</script> & co'
    svg = sparkline([(day(1), 5)], since=SINCE, until=UNTIL, label=label)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)  # noqa: S314
    assert root.get("aria-label").startswith(label + ": ")
    assert root.find("svg:title", NS).text.startswith(label + ": ")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": UNTIL, "until": UNTIL},
        {"since": UNTIL, "until": SINCE},
        {"since": SINCE, "until": UNTIL, "low": 5, "high": 5},
        {"since": SINCE, "until": UNTIL, "width": 4},
    ],
)
def test_an_impossible_frame_is_an_error(kwargs):
    with pytest.raises(ValueError, match="must"):
        sparkline([], **kwargs)
