import datetime as dt

import pytest

from cokit.refusals import Refusal
from documents import domain

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 32


def reason(call, *args):
    with pytest.raises(Refusal) as err:
        call(*args)
    return err.value.reason


def test_type_comes_from_the_bytes_not_the_name():
    assert domain.check_attachment(PDF, "application/pdf") == "application/pdf"
    assert domain.check_attachment(JPEG, "") == "image/jpeg"
    # a PDF renamed photo.jpg and sent as image/jpeg
    assert reason(domain.check_attachment, PDF, "image/jpeg") == "ATTACHMENT_TYPE_MISMATCH"
    assert reason(domain.check_attachment, b"#!/bin/sh\n", "image/jpeg") == "ATTACHMENT_TYPE_NOT_ALLOWED"


def test_each_category_accepts_its_types_and_sizes():
    assert reason(domain.check_attachment, PDF, "application/pdf", "PHOTO") == "ATTACHMENT_TYPE_NOT_ALLOWED"
    assert reason(domain.check_attachment, JPEG, "image/jpeg", "DOCUMENT") == "ATTACHMENT_TYPE_NOT_ALLOWED"
    assert domain.check_content(PDF, 90 * domain.MiB, "application/pdf", "DOCUMENT") == "application/pdf"
    assert reason(domain.check_content, PDF, 101 * domain.MiB, "application/pdf", "DOCUMENT") == "ATTACHMENT_TOO_LARGE"
    assert reason(domain.check_content, JPEG, 9 * domain.MiB, "image/jpeg", "PHOTO") == "ATTACHMENT_TOO_LARGE"
    assert reason(domain.check_attachment, b"", "image/jpeg") == "ATTACHMENT_EMPTY"
    assert reason(domain.check_attachment, PDF + b"\0" * (8 * domain.MiB), "application/pdf") == "ATTACHMENT_TOO_LARGE"


def test_an_upload_must_be_what_was_announced():
    digest = "a" * 64
    domain.check_received(10, digest, 10, digest)
    assert reason(domain.check_received, 10, digest, 11, digest) == "UPLOAD_SIZE_MISMATCH"
    assert reason(domain.check_received, 10, digest, 10, "b" * 64) == "UPLOAD_SHA256_MISMATCH"
    assert reason(domain.check_announced_upload, 10, "XYZ", "PHOTO") == "SHA256_MALFORMED"


def test_large_uploads_are_split_in_parts():
    assert domain.part_count(domain.MULTIPART_THRESHOLD) == 1
    assert domain.part_count(domain.MULTIPART_THRESHOLD + 1) == 3
    assert domain.part_count(100 * domain.MiB) == 13


def test_a_transition_out_of_closed_cancels_and_into_closed_starts_the_retention():
    assert domain.closure_change("answered", "closed") == "closed"
    assert domain.closure_change("closed", "reopened") == "reopened"
    assert domain.closure_change("closed", "closed") == ""
    assert domain.closure_change("acknowledged", "in_progress") == ""


def test_the_retention_cutoff_takes_fractions_of_days():
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert domain.retention_cutoff(now, 365) == dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert domain.retention_cutoff(now, 0.0001) == now - dt.timedelta(seconds=8.64)


def test_publication_rules():
    assert domain.check_publication("BUDGET", "Budget 2026", "ar", "2026-01-15") == dt.date(2026, 1, 15)
    assert (
        reason(domain.check_publication, "PUBLICATION_KIND_UNSPECIFIED", "Budget", "ar", "2026-01-15")
        == "PUBLICATION_KIND_REQUIRED"
    )
    assert reason(domain.check_publication, "BUDGET", "Budget", "de", "2026-01-15") == "LANGUAGE_UNSUPPORTED"
    assert reason(domain.check_publication, "BUDGET", "Budget", "fr", "15/01/2026") == "DATE_MALFORMED"


def test_search_words_keep_arabic_and_tifinagh():
    assert domain.search_words("الميزانية  Budget ⵜⴰⵎⴰⵡⴰⵙⵜ a") == ["الميزانية", "budget", "ⵜⴰⵎⴰⵡⴰⵙⵜ"]


def test_an_exported_attachment_says_what_is_kept_without_the_bucket_key():
    row = {
        "attachment_id": "a1",
        "office_id": "tetouan",
        "category": None,
        "content_type": "image/jpeg",
        "size": 2048,
        "sha256": "ab" * 32,
        "stored_at": dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc),
        "metadata_stripped": True,
        "object_key": "ma/tetouan/2026/11/25/a1",
        "owner_citizen_id": "c1",
    }
    exported = domain.export_attachment(row)
    assert exported == {
        "attachment_id": "a1",
        "office_id": "tetouan",
        "category": "",
        "content_type": "image/jpeg",
        "size": 2048,
        "sha256": "ab" * 32,
        "stored_at": "2026-11-25T09:30:00+00:00",
        "metadata_stripped": True,
        "purged_at": None,
    }
