"""The submission form and body: the requester's public or private choice."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import EnvironBuilder

from cokit.errors import DomainError
from gateway import portal
from gateway.translate import submission_from_form


def request(method="GET", path="/", **kwargs):
    return EnvironBuilder(method=method, path=path, **kwargs).get_request()


def test_the_submission_form_offers_the_public_or_private_choice():
    page = portal.home(request(), [], error=None).get_data(as_text=True)
    assert 'name="public" value="false" checked' in page and 'name="public" value="true"' in page
    again = portal.home(request("POST", data={"public": "true", "language": "fr"}), []).get_data(as_text=True)
    assert 'name="public" value="true" checked' in again and "demande publique" in again


@pytest.mark.parametrize(
    "data, expected", [({}, None), ({"public": ""}, None), ({"public": "true"}, True), ({"public": "false"}, False)]
)
def test_the_requesters_choice_is_read_from_the_form(data, expected):
    form = submission_from_form(request("POST", data=dict(data, office="tetouan", description="x")))
    assert form.public is expected


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_requesters_choice_in_json_is_a_boolean(value):
    body = json.dumps({"office": "tetouan", "public": value})
    if value is None:
        assert submission_from_form(request("POST", data=body, content_type="application/json")).public is None
        return
    with pytest.raises(DomainError) as refused:
        submission_from_form(request("POST", data=body, content_type="application/json"))
    assert (refused.value.reason, refused.value.metadata.get("field")) == ("FIELD_INVALID", "public")
