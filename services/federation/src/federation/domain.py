"""The federation's rules: who may be a member, how membership moves, what each member may
see, invitations, and the rows of the federation-wide figures.

Plain Python, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import csv
import dataclasses
import datetime as dt
import hashlib
import hmac
import io
import json
import math
import re

from cokit.refusals import failed_precondition, invalid_argument, permission_denied

INSTANCE_ID = re.compile(r"^[a-z][a-z0-9_-]{1,15}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")

# What an instance may let a member see of it. The directory: its offices' public fields; the
# figures: achievements in figures; statistics: the requests' public counts, medians and shares;
# transfers: requests moved to it with their requester's consent (and anonymised notices).
SHARES = ("directory", "figures", "statistics", "transfers")

# The kinds of message and the share each needs of the receiver; None: membership itself.
KINDS: dict[str, str | None] = {
    "member.join": None,
    "member.approved": None,
    "member.revoked": None,
    "member.ping": None,  # a heartbeat: is the member there?
    "figures.pull": "",  # answered with whatever is shared (maybe nothing)
    "transfer.request": "transfers",
    "transfer.notice": "transfers",
}
REPLY_SUFFIX = ".reply"

# Membership, as this instance sees another one.
INVITED = "invited"  # we invited it; no answer yet
PENDING_APPROVAL = "pending_approval"  # it answered our invitation; our admin approves next
AWAITING_APPROVAL = "awaiting_approval"  # we answered its invitation; its admin approves next
ACTIVE = "active"
REVOKED = "revoked"
STATUSES = (INVITED, PENDING_APPROVAL, AWAITING_APPROVAL, ACTIVE, REVOKED)

INVITATION_PREFIX = "cofed1."
DEFAULT_INVITATION_HOURS = 72
MAX_INVITATION_HOURS = 24 * 30


def check_instance_id(value: str, field: str = "instance_id") -> str:
    value = (value or "").strip()
    if not INSTANCE_ID.match(value):
        raise invalid_argument(
            "BAD_INSTANCE_ID", f"{field}: a lower-case letter, then 1 to 15 letters, digits, '_' or '-'", field=field
        )
    return value


def check_country(value: str) -> str:
    value = (value or "").strip().upper()
    if not COUNTRY.match(value):
        raise invalid_argument("BAD_COUNTRY", "country: two letters (ISO 3166-1 alpha-2)", field="country")
    return value


def check_shares(values) -> tuple[str, ...]:
    """What a member may see: the named shares, or all of them when none is named."""
    chosen = [v.strip() for v in values if v.strip()]
    unknown = sorted(set(chosen) - set(SHARES))
    if unknown:
        raise invalid_argument("BAD_SHARE", f"shares are {', '.join(SHARES)}; not {unknown[0]!r}", field="shares")
    return tuple(s for s in SHARES if s in chosen) if chosen else SHARES


def check_peer_url(value: str) -> str:
    value = (value or "").strip().rstrip("/")
    match = re.match(r"^https://([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$", value)
    if not match or not 0 < int(match.group(2)) < 65536:
        raise invalid_argument("BAD_PEER_URL", "peer_url: https://host:port of the federation port", field="peer_url")
    return value


def host_port(peer_url: str) -> tuple[str, int]:
    rest = peer_url.split("://", 1)[1]
    host, _, port = rest.rpartition(":")
    return host.strip("[]"), int(port)


# --- membership --------------------------------------------------------------------------------

# (from, event) -> to. Events: joined (its join reached us), approve (our admin), accepted (we
# answered its invitation), approved (its admin approved us), revoke (our admin), revoked (it did).
MOVES: dict[tuple[str, str], str] = {
    (INVITED, "joined"): PENDING_APPROVAL,
    (PENDING_APPROVAL, "approve"): ACTIVE,
    (AWAITING_APPROVAL, "approved"): ACTIVE,
    (ACTIVE, "approved"): ACTIVE,
}


def move(status: str, event: str) -> str:
    if event in ("revoke", "revoked"):
        if status == REVOKED:
            raise failed_precondition("ALREADY_REVOKED", "this member is revoked already")
        return REVOKED
    target = MOVES.get((status, event))
    if target is None:
        raise failed_precondition(
            "MEMBER_NOT_" + {"joined": "INVITED", "approve": "PENDING", "approved": "AWAITING"}.get(event, "READY"),
            f"a member {status} cannot be {event}",
            status=status,
        )
    return target


def may_exchange(status: str, kind: str, revoked_by_peer: bool = False) -> None:
    """Whether a message of `kind` from a member in `status` is taken at all."""
    if status == REVOKED:
        raise permission_denied("MEMBER_REVOKED", "this instance's membership is revoked")
    if kind == "member.revoked":
        return
    if kind == "member.approved":
        if status not in (AWAITING_APPROVAL, ACTIVE):
            raise permission_denied("NOT_AWAITING_APPROVAL", "no membership awaits this instance's approval")
        return
    if status != ACTIVE:
        raise permission_denied("MEMBER_NOT_ACTIVE", f"the membership is {status}; an admin approves it first")


def may_see(shares, kind: str) -> None:
    needed = KINDS.get(kind)
    if needed and needed not in shares:
        raise permission_denied("NOT_SHARED", f"this instance does not share {needed} with yours", share=needed)


# --- invitations -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Bundle:
    invitation_id: str
    secret: bytes
    expires_at: dt.datetime
    invitee: str
    inviter: dict  # the inviter's card: instance_id, country, name, peer_url, signing_public_key (b64), certificate_pem


def encode_bundle(bundle: Bundle) -> str:
    data = {
        "v": 1,
        "invitation_id": bundle.invitation_id,
        "secret": base64.urlsafe_b64encode(bundle.secret).decode(),
        "expires_at": bundle.expires_at.isoformat(),
        "invitee": bundle.invitee,
        "inviter": bundle.inviter,
    }
    return INVITATION_PREFIX + base64.urlsafe_b64encode(json.dumps(data, sort_keys=True).encode()).decode()


def decode_bundle(text: str) -> Bundle:
    text = "".join((text or "").split())
    bad = invalid_argument("BAD_INVITATION", "the invitation is not one this platform wrote; paste it whole")
    if not text.startswith(INVITATION_PREFIX):
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(text[len(INVITATION_PREFIX) :]))
        inviter = data["inviter"]
        bundle = Bundle(
            invitation_id=str(data["invitation_id"]),
            secret=base64.urlsafe_b64decode(data["secret"]),
            expires_at=dt.datetime.fromisoformat(data["expires_at"]),
            invitee=str(data["invitee"]),
            inviter={
                k: str(inviter[k])
                for k in ("instance_id", "country", "name", "peer_url", "signing_public_key", "certificate_pem")
            },
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise bad from None
    if len(bundle.secret) < 32 or data.get("v") != 1:
        raise bad
    return bundle


def join_proof(secret: bytes, instance_id: str, key_id: str, tls_fingerprint: str) -> bytes:
    """Binds the invitation to the keys that answer it: a log reader holding the proof cannot
    join with other keys, and the secret itself never travels."""
    message = "\x00".join(("join", instance_id, key_id, tls_fingerprint)).encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def check_invitation_open(expires_at: dt.datetime, used: bool, now: dt.datetime) -> None:
    if used:
        raise permission_denied("INVITATION_USED", "this invitation has been answered already")
    if now >= expires_at:
        raise permission_denied("INVITATION_EXPIRED", "this invitation has expired; ask for a new one")


def invitation_hours(asked: int) -> int:
    if asked < 0 or asked > MAX_INVITATION_HOURS:
        raise invalid_argument(
            "BAD_VALIDITY",
            f"valid_hours: 1 to {MAX_INVITATION_HOURS} (0: {DEFAULT_INVITATION_HOURS})",
            field="valid_hours",
        )
    return asked or DEFAULT_INVITATION_HOURS


# --- deliveries ----------------------------------------------------------------------------------


def next_attempt(attempts: int, now: dt.datetime, first_retry: float, ceiling: float = 600.0) -> dt.datetime:
    """When a delivery that failed `attempts` times is tried again: doubling from `first_retry`."""
    return now + dt.timedelta(seconds=min(ceiling, first_retry * 2 ** max(0, attempts - 1)))


# --- figures across the federation --------------------------------------------------------------

CSV_COLUMNS = (
    "level",
    "instance_id",
    "country",
    "instance_name",
    "region_code",
    "region_name",
    "office_id",
    "office_name",
    "offices_total",
    "offices_operational",
    "activities_total",
    "participants_women",
    "participants_men",
    "participants_others",
    "requests_total",
    "requests_answered",
    "median_working_days",
    "p90_working_days",
    "within_deadline_share",
    "satisfaction_average",
    "period_from",
    "period_to",
    "fetched_at",
    "stale",
)


def _name(localized) -> str:
    return localized.fr or localized.en or localized.ar or localized.zgh


def _achievements(a) -> dict:
    return {
        "offices_total": a.offices_total,
        "offices_operational": a.offices_by_status.get("operational", 0),
        "activities_total": a.activities_total,
        "participants_women": a.participants.women,
        "participants_men": a.participants.men,
        "participants_others": a.participants.others,
    }


def _requests(s) -> dict:
    return {
        "requests_total": s.total,
        "requests_answered": s.answered,
        "median_working_days": s.median_working_days,
        "p90_working_days": s.p90_working_days,
        "within_deadline_share": s.within_deadline_share,
        "satisfaction_average": s.satisfaction_average,
    }


def rows(instances) -> list[dict]:
    """One row per country, region and office, in that order per instance, from each instance's
    own figures as it published them (nothing recomputed: the page shows what each computed).

    A region's requests are the sum of its offices' counts; medians and shares do not add up,
    so a region row shows them empty."""
    out: list[dict] = []
    for item in instances:
        f = item.figures
        shared = set(f.shared) if f.shared else set(SHARES)
        base = {
            "instance_id": item.instance_id,
            "country": item.country,
            "instance_name": item.name,
            "period_from": f.period_from,
            "period_to": f.period_to,
            "fetched_at": item.fetched_at,
            "stale": item.stale,
        }
        blank = dict.fromkeys(CSV_COLUMNS, "")
        country = {**blank, **base, "level": "country"}
        if "figures" in shared:
            country.update(_achievements(f.achievements))
        if "statistics" in shared:
            country.update(_requests(f.requests))
        out.append(country)
        region_names = {r.code: _name(r.name) for r in f.regions}
        offices = {o.office_id: o for o in f.offices}
        by_region: dict[str, list] = {}
        for office_figures in f.office_figures:
            office = offices.get(office_figures.office_id)
            by_region.setdefault(office.region_code if office else "", []).append(office_figures)
        for region in f.region_figures:
            row = {**blank, **base, "level": "region", "region_code": region.region_code}
            row["region_name"] = region_names.get(region.region_code, "")
            if "figures" in shared:
                row.update(_achievements(region.achievements))
            members = by_region.get(region.region_code, [])
            if "statistics" in shared and members:
                row["requests_total"] = sum(m.requests.total for m in members)
                row["requests_answered"] = sum(m.requests.answered for m in members)
            out.append(row)
        for office_figures in f.office_figures:
            office = offices.get(office_figures.office_id)
            row = {**blank, **base, "level": "office", "office_id": office_figures.office_id}
            if office is not None:
                row.update(
                    region_code=office.region_code,
                    region_name=region_names.get(office.region_code, ""),
                    office_name=_name(office.name),
                )
            if "figures" in shared:
                row.update(_achievements(office_figures.achievements))
            if "statistics" in shared:
                row.update(_requests(office_figures.requests))
            out.append(row)
    return out


def _cell(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr: the shortest text that reads back as the same double, so the CSV matches exactly.
        return "" if math.isnan(value) else repr(value)
    return str(value)


def to_csv(table: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in table:
        writer.writerow([_cell(row.get(c, "")) for c in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def to_json(table: list[dict], computed_at: str) -> bytes:
    return json.dumps(
        {"computed_at": computed_at, "columns": list(CSV_COLUMNS), "rows": table}, ensure_ascii=False
    ).encode("utf-8")
