"""Membership, what a member sees, invitations, and the federation-wide rows and export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math

import pytest

from citizenoffice.federation.v1 import federation_pb2 as pb
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.refusals import Refusal
from federation import domain

NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.timezone.utc)


def reason(call) -> str:
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value.reason


def test_membership_moves_through_both_admins():
    assert domain.move(domain.INVITED, "joined") == domain.PENDING_APPROVAL
    assert domain.move(domain.PENDING_APPROVAL, "approve") == domain.ACTIVE
    assert domain.move(domain.AWAITING_APPROVAL, "approved") == domain.ACTIVE
    assert reason(lambda: domain.move(domain.INVITED, "approve")) == "MEMBER_NOT_PENDING"
    assert reason(lambda: domain.move(domain.ACTIVE, "joined")) == "MEMBER_NOT_INVITED"
    assert domain.move(domain.ACTIVE, "revoke") == domain.REVOKED
    assert reason(lambda: domain.move(domain.REVOKED, "revoke")) == "ALREADY_REVOKED"


def test_what_a_member_may_send_and_see():
    assert reason(lambda: domain.may_exchange(domain.REVOKED, "figures.pull")) == "MEMBER_REVOKED"
    assert reason(lambda: domain.may_exchange(domain.PENDING_APPROVAL, "figures.pull")) == "MEMBER_NOT_ACTIVE"
    assert reason(lambda: domain.may_exchange(domain.PENDING_APPROVAL, "member.approved")) == "NOT_AWAITING_APPROVAL"
    domain.may_exchange(domain.AWAITING_APPROVAL, "member.approved")
    domain.may_exchange(domain.ACTIVE, "transfer.request")
    assert reason(lambda: domain.may_see(("directory", "figures"), "transfer.request")) == "NOT_SHARED"
    domain.may_see((), "figures.pull")  # answered with what is shared, maybe nothing


def test_shares_default_to_all_and_refuse_unknown_ones():
    assert domain.check_shares([]) == domain.SHARES
    assert domain.check_shares(["transfers", "directory"]) == ("directory", "transfers")
    assert reason(lambda: domain.check_shares(["records"])) == "BAD_SHARE"


def test_identifiers():
    assert domain.check_instance_id(" sn ") == "sn"
    assert reason(lambda: domain.check_instance_id("SN")) == "BAD_INSTANCE_ID"
    assert domain.check_country("sn") == "SN"
    assert reason(lambda: domain.check_country("SEN")) == "BAD_COUNTRY"
    assert domain.check_peer_url("https://fed.sn.example.org:443/") == "https://fed.sn.example.org:443"
    assert domain.host_port("https://[::1]:8443") == ("::1", 8443)
    assert reason(lambda: domain.check_peer_url("http://fed.sn:80")) == "BAD_PEER_URL"


def test_an_invitation_bundle_round_trips_and_refuses_tampering():
    bundle = domain.Bundle(
        "inv-1",
        b"s" * 32,
        NOW,
        "sn",
        {
            "instance_id": "ma",
            "country": "MA",
            "name": "Maroc",
            "peer_url": "https://127.0.0.1:50443",
            "signing_public_key": "AAAA",
            "certificate_pem": "-----",
        },
    )
    text = domain.encode_bundle(bundle)
    assert domain.decode_bundle(text[:40] + "\n  " + text[40:]) == bundle
    assert reason(lambda: domain.decode_bundle(text[:-8])) == "BAD_INVITATION"
    assert reason(lambda: domain.decode_bundle("hello")) == "BAD_INVITATION"


def test_the_join_proof_binds_the_invitation_to_the_answering_keys():
    proof = domain.join_proof(b"k" * 32, "sn", "key1", "fp1")
    assert proof == domain.join_proof(b"k" * 32, "sn", "key1", "fp1")
    assert proof != domain.join_proof(b"k" * 32, "sn", "key2", "fp1")
    assert proof != domain.join_proof(b"x" * 32, "sn", "key1", "fp1")


def test_an_invitation_closes_when_used_or_expired():
    assert reason(lambda: domain.check_invitation_open(NOW, True, NOW - dt.timedelta(hours=1))) == "INVITATION_USED"
    assert reason(lambda: domain.check_invitation_open(NOW, False, NOW)) == "INVITATION_EXPIRED"
    domain.check_invitation_open(NOW, False, NOW - dt.timedelta(seconds=1))


def test_retries_double_up_to_a_ceiling():
    waits = [(domain.next_attempt(n, NOW, 5.0) - NOW).total_seconds() for n in (1, 2, 3, 10)]
    assert waits == [5.0, 10.0, 20.0, 600.0]


def figures(instance: str, offices: int, median: float, shared=domain.SHARES) -> pb.InstanceFigures:
    f = pb.PublicFigures(
        instance_id=instance, country=instance.upper(), period_from="2025-05-05", period_to="2026-05-04"
    )
    f.shared.extend(shared)
    f.regions.add(code=f"{instance}-r1", name=registry_pb2.LocalizedName(fr=f"Région {instance}"))
    f.achievements.CopyFrom(
        registry_pb2.Achievements(offices_total=offices, offices_by_status={"operational": offices}, activities_total=3)
    )
    f.requests.CopyFrom(
        tickets_pb2.StatsReply(total=7, answered=4, median_working_days=median, within_deadline_share=0.75)
    )
    f.region_figures.add(region_code=f"{instance}-r1", achievements=registry_pb2.Achievements(offices_total=offices))
    for n in range(offices):
        f.offices.add(
            office_id=f"{instance}-o{n}",
            name=registry_pb2.LocalizedName(fr=f"Bureau {n}"),
            region_code=f"{instance}-r1",
            latitude=math.nan,
            longitude=math.nan,
        )
        f.office_figures.add(
            office_id=f"{instance}-o{n}",
            achievements=registry_pb2.Achievements(offices_total=1),
            requests=tickets_pb2.StatsReply(total=2 + n, answered=1, median_working_days=median),
        )
    return pb.InstanceFigures(
        instance_id=instance, country=instance.upper(), figures=f, fetched_at="2026-05-04T10:00:00"
    )


def test_rows_per_country_region_and_office_as_each_instance_published_them():
    table = domain.rows([figures("ma", 2, 6.5), figures("sn", 1, 1 / 3)])
    assert [(r["level"], r["instance_id"]) for r in table] == [
        ("country", "ma"),
        ("region", "ma"),
        ("office", "ma"),
        ("office", "ma"),
        ("country", "sn"),
        ("region", "sn"),
        ("office", "sn"),
    ]
    ma_region = table[1]
    assert ma_region["requests_total"] == 2 + 3 and ma_region["median_working_days"] == ""
    assert table[4]["median_working_days"] == 1 / 3 and table[6]["office_name"] == "Bureau 0"


def test_what_is_not_shared_stays_empty():
    table = domain.rows([figures("sn", 1, 2.0, shared=("directory", "figures"))])
    assert table[0]["offices_total"] == 1 and table[0]["requests_total"] == ""


def test_csv_and_json_keep_every_figure_exactly():
    table = domain.rows([figures("sn", 1, 1 / 3)])
    parsed = list(csv.DictReader(io.StringIO(domain.to_csv(table).decode())))
    assert float(parsed[0]["median_working_days"]) == 1 / 3
    assert parsed[0]["stale"] == "false" and parsed[0]["within_deadline_share"] == "0.75"
    exported = json.loads(domain.to_json(table, "2026-05-04T10:00:00+00:00"))
    assert exported["rows"][0]["median_working_days"] == 1 / 3 and exported["columns"] == list(domain.CSV_COLUMNS)
