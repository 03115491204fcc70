import datetime as dt

import pytest

from cokit.refusals import Kind, Refusal
from tickets import domain


def submission(**changes):
    base = dict(
        office_id="tetouan",
        kind="complaint",
        category="lighting",
        description="Street light broken near the school",
        citizen_id="c1",
        channel="web",
        language="ar",
    )
    base.update(changes)
    return domain.Submission(**base)


def test_tracking_codes_pass_their_own_check():
    for _ in range(200):
        code = domain.new_tracking_code()
        assert domain.normalise_tracking_code(code) == code


def test_tracking_code_accepts_what_people_type():
    code = domain.new_tracking_code()
    typed = code.lower().replace("-", " ")
    assert domain.normalise_tracking_code(typed) == code


def test_tracking_code_single_wrong_character_is_caught():
    code = domain.new_tracking_code().replace("-", "")
    for position in range(len(code)):
        for replacement in domain.ALPHABET:
            if replacement == code[position]:
                continue
            wrong = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(Refusal) as err:
                domain.normalise_tracking_code(wrong)
            assert err.value.reason == "TRACKING_CODE_CHECK_FAILED"


def test_malformed_tracking_code_is_invalid_argument():
    with pytest.raises(Refusal) as err:
        domain.normalise_tracking_code("12")
    assert err.value.kind is Kind.INVALID
    assert err.value.reason == "TRACKING_CODE_MALFORMED"


def test_complaint_deadlines():
    at = dt.datetime(2026, 12, 31, 10, 0, tzinfo=dt.timezone.utc)
    deadlines = domain.complaint_deadlines(at)
    assert deadlines.acknowledge_by == dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.timezone.utc)
    # two months after 31 December is the last day of February
    assert deadlines.answer_by == dt.datetime(2027, 2, 28, 10, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"office_id": ""}, "OFFICE_REQUIRED"),
        ({"kind": "rant"}, "KIND_UNKNOWN"),
        ({"category": "  "}, "CATEGORY_REQUIRED"),
        ({"description": "short"}, "DESCRIPTION_TOO_SHORT"),
        ({"description": "x" * 5001}, "DESCRIPTION_TOO_LONG"),
        ({"channel": "fax"}, "CHANNEL_UNKNOWN"),
        ({"latitude": 35.5}, "LOCATION_INCOMPLETE"),
        ({"latitude": 95.0, "longitude": -5.3}, "LOCATION_OUT_OF_RANGE"),
        ({"attachment_ids": tuple(str(i) for i in range(6))}, "TOO_MANY_ATTACHMENTS"),
    ],
)
def test_bad_submissions_name_the_reason(changes, reason):
    with pytest.raises(Refusal) as err:
        domain.validate_submission(submission(**changes))
    assert err.value.reason == reason
    assert err.value.kind is Kind.INVALID


def test_submission_is_cleaned_and_keeps_tifinagh():
    clean = domain.validate_submission(submission(description="  ⵜⴰⵎⵙⴰⵔⵜ ⵏ ⵓⴱⵔⵉⴷ ⵉⵅⵚⵔⵏ  ", language="xx"))
    assert clean.description == "ⵜⴰⵎⵙⴰⵔⵜ ⵏ ⵓⴱⵔⵉⴷ ⵉⵅⵚⵔⵏ"
    assert clean.language == "ar"


def test_information_request_needs_an_identified_requester():
    with pytest.raises(Refusal) as err:
        domain.validate_submission(submission(kind="information_request", citizen_id=""))
    assert err.value.reason == "REQUESTER_REQUIRED"
    with pytest.raises(Refusal) as err:
        domain.validate_submission(
            submission(kind="information_request", requester_name="Amina", id_kind="cin", id_number="x")
        )
    assert err.value.reason == "ID_NUMBER_INVALID"
    ok = domain.validate_submission(
        submission(kind="information_request", requester_name="Amina", id_kind="cin", id_number="ab 123456")
    )
    assert ok.id_number == "AB123456"


def test_anonymous_complaint_is_accepted_but_never_an_id_number():
    assert domain.validate_submission(submission(citizen_id="")).anonymous
    with pytest.raises(Refusal) as err:
        domain.validate_submission(submission(id_number="AB123456"))
    assert err.value.reason == "ID_NUMBER_NOT_ALLOWED"


def test_walk_in_names_who_registered_it():
    with pytest.raises(Refusal) as err:
        domain.validate_submission(submission(channel="walk_in", citizen_id=""))
    assert err.value.reason == "REGISTERED_BY_REQUIRED"
    assert domain.validate_submission(submission(channel="walk_in", citizen_id="", registered_by="agent-7"))


def test_only_information_requests_are_urgent_and_with_a_reason():
    for changes in (
        dict(urgent=True),
        dict(urgent=True, kind="information_request", requester_name="A", id_kind="cin", id_number="AB123456"),
    ):
        with pytest.raises(Refusal) as err:
            domain.validate_submission(submission(**changes))
        assert err.value.reason == "URGENCY_UNFOUNDED"


@pytest.mark.parametrize("key", ["short-key", "x" * 129, "a key with spaces!!", "clé-accentuée-0123456"])
def test_an_idempotency_key_is_sixteen_to_128_printable_characters(key):
    with pytest.raises(Refusal) as refused:
        domain.validate_submission(submission(idempotency_key=key))
    assert (refused.value.reason, refused.value.metadata["field"]) == ("IDEMPOTENCY_KEY_INVALID", "idempotency_key")
    assert domain.validate_submission(submission(idempotency_key="3f0b9c1e-6a54-4d2b-9e0f-1c2d3e4f5a6b"))


def test_a_key_is_kept_as_a_digest_of_the_key_and_of_who_filed():
    key = "3f0b9c1e-6a54-4d2b-9e0f-1c2d3e4f5a6b"
    mine = domain.submission_key(submission(idempotency_key=key, citizen_id="c-1"))
    assert key not in mine and len(mine) == 64
    assert mine == domain.submission_key(submission(idempotency_key=key, citizen_id="c-1", description="autre texte"))
    assert mine != domain.submission_key(submission(idempotency_key=key, citizen_id="c-2"))


def test_the_same_request_has_the_same_fingerprint_whatever_its_attachments():
    first = submission(attachment_ids=("a-1",))
    assert domain.submission_fingerprint(first) == domain.submission_fingerprint(submission(attachment_ids=("a-2",)))
    for change in ({"description": "Un autre lampadaire éteint"}, {"category": "roads"}, {"office_id": "martil"}):
        assert domain.submission_fingerprint(submission(**change)) != domain.submission_fingerprint(first), change
