"""The Open311 room: GeoReport v2 under /open311/v2 for partner systems and civic apps: the
commune's services, service requests filed by API-key clients (channel open311) and the public
list of requests.

Every route is an `open311` entrypoint (entrypoints.Open311): the format is the URL's extension,
and failures leave as the specification's error bodies ([{"code", "description"}] or <errors>)
instead of problem bodies. The documents themselves are made in gateway/open311.py; what of a
request may be shown is decided by tickets. A new GeoReport route goes here, with @open311.
"""

from __future__ import annotations

import datetime as dt
import math

import nameko
from google.protobuf.timestamp_pb2 import Timestamp
from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb
from cokit.auth import policy
from cokit.errors import invalid_argument, not_found, permission_denied

from .. import dependencies, entrypoints, open311
from ..caller import machine_caller
from ..limits import source_address
from ..scopes import instance

PREFIX = "/open311/v2"
SUBMIT = "open311.request.submit"
policy.register_action(SUBMIT, ("open311_client",))


def _number(values, name: str) -> float | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise invalid_argument("NUMBER_INVALID", f"{name} is a number in WGS84 degrees", field=name)
    return number


def _timestamp(moment: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def _comma_list(values, name: str) -> list[str]:
    return [v.strip() for v in values.get(name, "").split(",") if v.strip()]


class Open311Room:
    identity = dependencies.identity
    registry = dependencies.registry
    tickets = dependencies.tickets

    # --- the jurisdiction and its catalogue -----------------------------------------------------

    def _open311_offices(self, values, *, required: bool = True, accepting: bool = False) -> list:
        """The offices of the commune named by jurisdiction_id ([] when not given and optional)."""
        commune = values.get("jurisdiction_id", "").strip()
        if not commune:
            if required:
                raise invalid_argument(
                    "JURISDICTION_REQUIRED", "jurisdiction_id (the commune's code) is required", field="jurisdiction_id"
                )
            return []
        status = "operational" if accepting else ""
        offices = [
            o
            for o in self.registry.ListOffices(registry_pb.ListOfficesRequest(status=status)).offices
            if o.commune_code == commune
        ]
        if not offices:
            raise not_found(
                "JURISDICTION_UNKNOWN",
                f"jurisdiction_id {commune!r} has no Citizen Office" + (" taking requests" if accepting else ""),
            )
        return offices

    def _open311_catalogue(self, office) -> list:
        reply = self.registry.ListCategories(registry_pb.ListCategoriesRequest(office_id=office.office_id))
        return [e for e in reply.entries if open311.offered(e)]

    def _open311_services(self, offices) -> list[tuple]:
        """(office, entry) for each service code of the jurisdiction, the first office offering it."""
        found, seen = [], set()
        for office in offices:
            for entry in self._open311_catalogue(office):
                if entry.code not in seen:
                    seen.add(entry.code)
                    found.append((office, entry))
        return found

    def _open311_caller(self, request, values) -> policy.Caller:
        secret = values.get("api_key", "").strip()
        if not secret:
            raise permission_denied(
                "API_KEY_REQUIRED", "api_key is required to submit a service request", field="api_key"
            )
        try:
            return machine_caller(self.identity, secret, source_address(request), instance())
        except GrpcError as error:
            if error.code == StatusCode.UNAUTHENTICATED:
                raise permission_denied(
                    "API_KEY_INVALID", "api_key is not valid or was revoked", field="api_key"
                ) from None
            raise

    # --- discovery and services -------------------------------------------------------------------

    @entrypoints.open311("GET", PREFIX + "/discovery.<string:fmt>")
    def open311_discovery(self, request, fmt):
        base = nameko.config.get("PUBLIC_BASE_URL") or request.host_url
        return open311.document(fmt, "discovery", [open311.discovery_json(base)])

    @entrypoints.open311("GET", PREFIX + "/services.<string:fmt>")
    def open311_services(self, request, fmt):
        language = open311.language_of(request.headers.get("Accept-Language", ""))
        services = self._open311_services(self._open311_offices(request.args, accepting=True))
        return open311.document(fmt, "services", [open311.service_json(e, language) for _, e in services])

    @entrypoints.open311("GET", PREFIX + "/services/<string:service_code>.<string:fmt>")
    def open311_service_definition(self, request, service_code, fmt):
        services = self._open311_services(self._open311_offices(request.args, accepting=True))
        for _, entry in services:
            if entry.code == service_code:
                return open311.document(fmt, "service_definition", [open311.definition_json(entry)])
        raise not_found("SERVICE_CODE_UNKNOWN", f"service_code {service_code!r} is not a service of this jurisdiction")

    # --- service requests -------------------------------------------------------------------------

    @entrypoints.open311("POST", PREFIX + "/requests.<string:fmt>")
    def open311_submit(self, request, fmt):
        values = request.values
        caller = self._open311_caller(request, values)
        offices = self._open311_offices(values, accepting=True)
        code = values.get("service_code", "").strip()
        if not code:
            raise invalid_argument("SERVICE_CODE_REQUIRED", "service_code is required", field="service_code")
        offering = [(o, e) for o in offices for e in self._open311_catalogue(o) if e.code == code]
        if not offering:
            raise invalid_argument(
                "SERVICE_CODE_UNKNOWN",
                f"service_code {code!r} is not a service of this jurisdiction",
                field="service_code",
            )
        reachable = [
            (o, e)
            for o, e in offering
            if policy.decide(caller, SUBMIT, policy.Scope(o.instance_id, o.commune_code, o.office_id)).allowed
        ]
        if not reachable:
            raise permission_denied(
                "API_KEY_NOT_ALLOWED",
                "this api_key may not submit requests to this jurisdiction's office",
                field="api_key",
            )
        office, entry = reachable[0]
        latitude, longitude = _number(values, "lat"), _number(values, "long")
        if (latitude is None) != (longitude is None):
            raise invalid_argument("LOCATION_INCOMPLETE", "give both lat and long", field="lat")
        # No master address repository behind the offices: an address_id alone cannot place a request.
        address = values.get("address_string", "").strip()
        if entry.requires_location and latitude is None and not address:
            raise invalid_argument(
                "LOCATION_REQUIRED",
                "this service needs lat and long, or address_string (address_id is not used here)",
                field="lat",
            )
        media_url = values.get("media_url", "").strip()
        if entry.requires_attachments and not media_url:
            raise invalid_argument(
                "MEDIA_REQUIRED", "this service needs a photo or document: media_url", field="media_url"
            )
        if not entry.anonymous_allowed and not (values.get("email", "").strip() or values.get("phone", "").strip()):
            raise invalid_argument(
                "CATEGORY_NOT_ANONYMOUS",
                "this service takes no anonymous requests: give the reporter's email or phone",
                field="email",
            )
        language = values.get("locale", "").strip().lower()[:2]
        language = language if language in ("ar", "fr", "en") else "ar"
        citizen_id = self._open311_contact(values, language)
        location = None
        if latitude is not None or address:
            location = tickets_pb.Location(
                latitude=math.nan if latitude is None else latitude,
                longitude=math.nan if longitude is None else longitude,
                address=address,
            )
        receipt = self.tickets.Submit(
            tickets_pb.SubmitRequest(
                office_id=office.office_id,
                kind=open311.offered_kinds()[entry.request_type],
                category=entry.category,
                description=values.get("description", ""),
                citizen_id=citizen_id,
                location=location,
                # A GeoReport request is public unless its category keeps requests private.
                channel=tickets_pb.OPEN311,
                language=language,
                public=entry.publicity != "private",
                media_url=media_url,
            )
        )
        return open311.document(fmt, "service_requests", [open311.receipt_json(receipt)], status=201)

    def _open311_contact(self, values, language: str) -> str:
        """The reporter's contact goes to identity; tickets gets the pseudonym only."""
        email, phone = values.get("email", "").strip(), values.get("phone", "").strip()
        if not email and not phone:
            return ""
        name = " ".join(p for p in (values.get("first_name", "").strip(), values.get("last_name", "").strip()) if p)
        citizen = self.identity.UpsertCitizen(
            identity_pb.UpsertCitizenRequest(email=email, phone=phone, display_name=name, language=language)
        )
        return citizen.citizen_id

    @entrypoints.open311("GET", PREFIX + "/requests.<string:fmt>")
    def open311_requests(self, request, fmt):
        args = request.args
        offices = self._open311_offices(args)
        catalogues = {o.office_id: self._open311_catalogue(o) for o in offices}
        ids = _comma_list(args, "service_request_id")
        kinds = list(open311.offered_kinds().values())
        pairs = None
        if ids:
            if len(ids) > open311.MAX_REQUESTS:
                raise invalid_argument(
                    "TOO_MANY_IDS", f"at most {open311.MAX_REQUESTS} service_request_id", field="service_request_id"
                )
            query = tickets_pb.PublicRequestsQuery(ticket_ids=ids, kinds=kinds)
        else:
            codes = _comma_list(args, "service_code")
            if codes:
                entries = {e.code: e for entries in catalogues.values() for e in entries}
                unknown = [c for c in codes if c not in entries]
                if unknown:
                    raise invalid_argument(
                        "SERVICE_CODE_UNKNOWN",
                        f"service_code {unknown[0]!r} is not a service of this jurisdiction",
                        field="service_code",
                    )
                pairs = {(entries[c].request_type, entries[c].category) for c in codes}
                kinds = sorted({open311.offered_kinds()[kind] for kind, _ in pairs})
            start, end = open311.period(
                args.get("start_date", ""), args.get("end_date", ""), dt.datetime.now(dt.timezone.utc)
            )
            query = tickets_pb.PublicRequestsQuery(
                office_ids=[o.office_id for o in offices],
                kinds=kinds,
                categories=sorted({category for _, category in pairs}) if pairs else [],
                statuses=open311.statuses_for(args.get("status", "")),
                submitted_from=_timestamp(start),
                submitted_to=_timestamp(end),
                limit=open311.MAX_REQUESTS,
            )
        items = [
            i
            for i in self.tickets.ListPublicRequests(query).requests
            if i.office_id in catalogues and (pairs is None or (open311.offered_kind(i.kind), i.category) in pairs)
        ]
        return self._open311_request_list(request, fmt, items, {o.office_id: o for o in offices}, catalogues)

    @entrypoints.open311("GET", PREFIX + "/requests/<string:service_request_id>.<string:fmt>")
    def open311_request(self, request, service_request_id, fmt):
        offices = self._open311_offices(request.args, required=False)
        reply = self.tickets.ListPublicRequests(
            tickets_pb.PublicRequestsQuery(
                ticket_ids=[service_request_id], kinds=list(open311.offered_kinds().values()), limit=1
            )
        )
        items = [i for i in reply.requests if not offices or i.office_id in {o.office_id for o in offices}]
        if not items:
            raise not_found("SERVICE_REQUEST_NOT_FOUND", f"no service request {service_request_id!r}")
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=items[0].office_id))
        return self._open311_request_list(
            request, fmt, items, {office.office_id: office}, {office.office_id: self._open311_catalogue(office)}
        )

    @entrypoints.open311("GET", PREFIX + "/tokens/<string:token>.<string:fmt>")
    def open311_token(self, request, token, fmt):
        """The token is the tracking code the submission answered with."""
        try:
            status = self.tickets.TrackByCode(tickets_pb.TrackByCodeRequest(tracking_code=token))
        except GrpcError as error:
            if error.code in (StatusCode.NOT_FOUND, StatusCode.INVALID_ARGUMENT):
                raise not_found("TOKEN_NOT_FOUND", f"no service request has the token {token!r}") from None
            raise
        if not open311.offered_kind(status.kind):
            raise not_found("TOKEN_NOT_FOUND", f"no service request has the token {token!r}")
        return open311.document(fmt, "service_requests", [{"service_request_id": status.ticket_id, "token": token}])

    def _open311_request_list(self, request, fmt, items, offices: dict, catalogues: dict):
        language = open311.language_of(request.headers.get("Accept-Language", ""))
        body = []
        for item in items:
            office = offices[item.office_id]
            office_name = open311.name_of(office, language, office.slug)
            entry = open311.entry_for(item, catalogues.get(item.office_id, []))
            body.append(open311.request_json(item, entry, office_name, language))
        return open311.document(fmt, "service_requests", body)
