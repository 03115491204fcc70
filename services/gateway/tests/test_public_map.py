"""The public office page's map: requests placed by distance and bearing from the office."""

from __future__ import annotations

import math

from gateway import public_map

TETOUAN = (35.5785, -5.3684)


def test_the_office_is_at_the_centre_and_north_is_up_east_is_right():
    drawing = public_map.draw(TETOUAN, [(35.5875, -5.3684, "north"), (35.5785, -5.3574, "east")])
    north, east = drawing.dots
    assert drawing.centre == public_map.SIZE / 2
    assert north.x == drawing.centre and north.y < drawing.centre
    assert east.y == drawing.centre and east.x > drawing.centre
    # one degree of longitude is shorter than one of latitude here: about 1.0 km and 0.99 km
    assert abs((drawing.centre - north.y) - (east.x - drawing.centre)) < 2


def test_the_map_reaches_the_farthest_request_at_a_round_distance():
    drawing = public_map.draw(TETOUAN, [(35.5785 + 0.03, -5.3684, "far"), (35.5790, -5.3680, "near")])
    (outer, outer_text), (inner, inner_text) = drawing.rings
    assert outer_text == "5 km" and inner_text == "2.5 km"  # 3.3 km away: the 5 km ring
    far = drawing.dots[0]
    assert public_map.MARGIN <= far.y < drawing.centre - inner
    assert all(0 <= d.x <= public_map.SIZE and 0 <= d.y <= public_map.SIZE for d in drawing.dots)


def test_a_lone_nearby_request_is_not_drawn_at_the_edge_and_bad_points_are_left_out():
    drawing = public_map.draw(TETOUAN, [(35.5786, -5.3684, "next door"), (math.nan, 1.0, "nowhere")])
    assert [d.label for d in drawing.dots] == ["next door"]
    assert drawing.rings[0][1] == "500 m"
    assert drawing.centre - drawing.dots[0].y < 5
