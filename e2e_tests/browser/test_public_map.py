"""The public office page's map of public requests, drawn by the server (no tile server, no
script): a public request with a place becomes a dot on the inline SVG around the office, the
list of places under it is the text alternative, the page stays small, and axe finds no serious
or critical violation."""

from __future__ import annotations

import random
import uuid

import grpc
import pytest

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from e2e_tests.browser.test_citizen_portal import check_page
from e2e_tests.browser.test_staff_portal import LOCALES
from e2e_tests.service_callers import through_platform

MAP_BUDGET = 100 * 1024


@pytest.fixture(scope="module")
def public_request(platform) -> tuple[float, float]:
    """A public request with a place near Tétouan's office."""
    latitude, longitude = 35.57 + random.randint(1, 999) / 100000, -5.36 - random.randint(1, 999) / 100000
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        TicketsServiceStub(through_platform(channel, platform)).Submit(
            pb.SubmitRequest(
                office_id="tetouan",
                kind=pb.COMPLAINT,
                category="waste",
                description=f"Dépôt sauvage d'ordures près du marché {uuid.uuid4().hex[:8]}",
                channel=pb.WEB,
                language="fr",
                public=True,
                location=pb.Location(latitude=latitude, longitude=longitude),
            ),
            timeout=30,
        )
    return latitude, longitude


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_office_page_draws_its_public_requests_on_a_small_map(phone_factory, public_request, lang):
    visitor = phone_factory(locale=LOCALES[lang], javascript=False)
    response = visitor.open(f"/offices/tetouan?lang={lang}")
    assert response.status == 200
    page = visitor.page
    latitude, longitude = public_request
    assert page.locator(f".places a[href='geo:{latitude:.4f},{longitude:.4f}']").count() == 1
    svg = page.locator("figure.map svg[role=img]")
    assert svg.count() == 1
    # one dot per listed place, each inside the drawing, and a caption naming the scale
    dots = page.locator("figure.map circle.dot")
    assert dots.count() == page.locator(".places li").count() > 0
    for i in range(dots.count()):
        x, y = float(dots.nth(i).get_attribute("cx")), float(dots.nth(i).get_attribute("cy"))
        assert 0 <= x <= 200 and 0 <= y <= 200
    assert "km" in page.inner_text("#map-caption") or " m" in page.inner_text("#map-caption")
    check_page(visitor, lang, "office-public-map", budget=MAP_BUDGET)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_map_has_no_serious_accessibility_violation(phone_factory, axe_source, public_request, lang):
    visitor = phone_factory(locale=LOCALES[lang])
    visitor.open(f"/offices/tetouan?lang={lang}")
    assert visitor.page.locator("figure.map svg").count() == 1
    assert visitor.axe(axe_source) == []
