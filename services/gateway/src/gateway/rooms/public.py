"""The public room: the portal's pages for anyone, no account needed. The home page with the
form to file a complaint, an observation or a suggestion, its receipt, tracking by code, the
page of an address no route takes (fallback.py), and each office in figures over the last twelve
months (volumes, response time, share answered within the deadline, satisfaction) with its
latest published documents. The figures are tickets' public statistics, where groups of fewer
than five requests are folded so nobody is recognisable. The federation in figures: each member
instance's figures per country, region and office, as each published them (the federation
service pulls them; nothing about a person crosses), with the table as CSV or JSON.

Every route is a `public_page` entrypoint (entrypoints.PublicPage): an error is a page in the
visitor's language (portal.py draws the pages). A new page for anyone goes here, with @public_page.
"""

from __future__ import annotations

import datetime as dt
import logging
import json
import math

from nameko_grpc.errors import GrpcError

import comessages
from citizenoffice.documents.v1 import documents_pb2 as documents_pb
from citizenoffice.participation.v1 import participation_pb2 as participation_pb
from citizenoffice.federation.v1 import federation_pb2 as federation_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb

from .. import dependencies, portal, public_map
from ..entrypoints import public_page
from ..fallback import fallback
from ..submissions import submit
from ..translate import KIND_LABELS, STATUS_LABELS, kind_key
from .participation import PART_TEXT

log = logging.getLogger(__name__)
PERIOD_DAYS = 365
DOCUMENTS_SHOWN = 5
PLACES_SHOWN = 20
PUBLIC_SCANNED = 200  # the newest requests looked at for public places

PUBLIC_TEXT = {lang: comessages.table("public", lang) for lang in portal.LANGUAGES}


def _render(request, template: str, **context):
    lang = portal.language(request)
    text = dict(PUBLIC_TEXT[lang], kinds=KIND_LABELS[lang], statuses=STATUS_LABELS[lang])
    return portal._render(request, template, 200, p=text, **context)


def _number(value: float, lang: str, digits: int = 1) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") if lang == "fr" else text


def _figure(value, lang: str, digits: int = 1) -> str:
    """A cell of the federation table: empty stays empty (not shared, or not additive)."""
    if value == "" or value is None:
        return ""
    if isinstance(value, float):
        return _number(value, lang, digits)
    return str(value)


class PublicPages:
    identity = dependencies.identity
    registry = dependencies.registry
    tickets = dependencies.tickets
    documents = dependencies.documents
    participation = dependencies.participation
    federation = dependencies.federation

    # --- filing and tracking a request -------------------------------------------------------

    def _operational_offices(self):
        return self.registry.ListOffices(registry_pb.ListOfficesRequest(status="operational")).offices

    @public_page("GET", "/")
    def home(self, request):
        return portal.home(request, self._operational_offices())

    @public_page("POST", "/submit")
    def portal_submit(self, request):
        try:
            receipt = submit(
                request,
                tickets_pb.WEB,
                identity=self.identity,
                registry=self.registry,
                documents=self.documents,
                tickets=self.tickets,
            )
        except GrpcError as error:
            return portal.home(request, self._operational_offices(), error=error, status=400)
        return portal.receipt(request, receipt)

    @public_page("GET", "/track")
    def portal_track(self, request):
        code = request.args.get("code", "")
        if not code:
            return portal.track(request, None)
        try:
            status = self.tickets.TrackByCode(tickets_pb.TrackByCodeRequest(tracking_code=code))
        except GrpcError as error:
            return portal.track(request, None, error=error, status=404 if error.code.name == "NOT_FOUND" else 400)
        return portal.track(request, status)

    @fallback
    def portal_not_found(self, request, path):
        return portal.not_found(request)

    # --- the offices in figures ----------------------------------------------------------------

    @public_page("GET", "/offices")
    def public_offices(self, request):
        lang = portal.language(request)
        offices = self._operational_offices()
        return _render(
            request, "offices.html", offices=[(o.slug, portal.office_name(o, lang), o.name.zgh) for o in offices]
        )

    @public_page("GET", "/offices/<string:office>")
    def public_office(self, request, office):
        lang = portal.language(request)
        found = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=office))
        today = dt.datetime.now(portal.LOCAL_TIME).date()
        stats = self.tickets.Stats(
            tickets_pb.StatsRequest(
                office_id=found.office_id,
                public=True,
                from_date=(today - dt.timedelta(days=PERIOD_DAYS)).isoformat(),
                to_date=today.isoformat(),
            )
        )
        documents = self.documents.ListPublished(
            documents_pb.ListPublishedRequest(office_id=found.office_id, page_size=DOCUMENTS_SHOWN)
        ).documents
        # The map is a small drawing made here (public_map) over a list of places, each opening
        # the phone's own map application (geo: URI): no map library or tiles to download on a
        # slow line. Only requests their author made public carry a place (tickets' public list
        # says so); the commune's are shown around the office (a commune may have several).
        commune = [
            o.office_id
            for o in self.registry.ListOffices(registry_pb.ListOfficesRequest()).offices
            if o.commune_code == found.commune_code
        ] or [found.office_id]
        recent = self.tickets.ListPublicRequests(
            tickets_pb.PublicRequestsQuery(office_ids=commune, limit=PUBLIC_SCANNED)
        ).requests
        located = [
            r
            for r in recent
            if r.public
            and r.HasField("location")
            and not r.merged_into
            and math.isfinite(r.location.latitude)
            and math.isfinite(r.location.longitude)
        ][:PLACES_SHOWN]
        places = [
            {
                "kind": kind_key(r.kind),
                "category": r.category,
                "status": r.status,
                "date": portal.when(r.submitted_at),
                "geo": f"{r.location.latitude:.4f},{r.location.longitude:.4f}",
            }
            for r in located
        ]
        drawing = self._public_map(found, located, lang) if located else None
        figures = {
            "total": stats.total,
            "answered": stats.answered,
            "median": _number(stats.median_working_days, lang) if stats.answered else None,
            # French puts a (no-break) space before %; Arabic and English do not.
            "within": _number(stats.within_deadline_share * 100, lang, 0) + ("\u202f%" if lang == "fr" else "%")
            if stats.answered
            else None,
            "satisfaction": _number(stats.satisfaction_average, lang) if stats.ratings else None,
            "ratings": stats.ratings,
            "by_kind": sorted(stats.by_kind.items(), key=lambda kv: (kv[0] == "other", -kv[1])),
        }
        return _render(
            request,
            "office.html",
            slug=found.slug,
            name=portal.office_name(found, lang),
            zgh=found.name.zgh,
            figures=figures,
            places=places,
            drawing=drawing,
            documents=[
                {"title": d.title, "href": f"/api/v1/library/{d.document_id}/file", "date": d.document_date}
                for d in documents
            ],
            participation=self._participation_figures(found.office_id, lang),
            pt=PART_TEXT[lang],
        )

    def _participation_figures(self, office_id: str, lang: str) -> dict | None:
        """Consultations, surveys and proposals counted for the office (participation folds the
        averages of fewer than five answers); the page goes without them while it is away."""
        try:
            found = self.participation.GetOfficeFigures(participation_pb.OfficeFiguresRequest(office_id=office_id))
        except GrpcError as error:
            log.warning("participation figures left out", extra={"code": error.code.name})
            return None
        return {
            "consultations": found.consultations,
            "participants": found.consultation_participants,
            "proposals": found.proposals,
            "forwarded": found.proposals_forwarded,
            "surveys": [
                {
                    "context": s.context,
                    "answers": s.answers,
                    "averages": {q: _number(v, lang) for q, v in s.averages.items()},
                    "yes": _number(s.yes_share * 100, lang, 0) + "%" if s.yes_share >= 0 else None,
                }
                for s in found.surveys
            ],
        }

    @public_page("GET", "/federation")
    def public_federation(self, request):
        """Every member instance per country, region and office: the federation service's table
        (the same rows as its CSV and JSON export), as each instance computed them."""
        lang = portal.language(request)
        table = json.loads(self.federation.ExportFigures(federation_pb.ExportRequest(format="json")).content)
        rows = []
        for row in table["rows"]:
            level = row["level"]
            place = {
                "country": f"{row['instance_name'] or row['instance_id']} ({row['country']})",
                "region": row["region_name"] or row["region_code"],
                "office": row["office_name"] or row["office_id"],
            }[level]
            share = row["within_deadline_share"]
            rows.append(
                {
                    "level": level,
                    "place": place,
                    "instance_id": row["instance_id"],
                    "offices": _figure(row["offices_total"], lang),
                    "activities": _figure(row["activities_total"], lang),
                    "participants": _figure(
                        sum(row[k] for k in ("participants_women", "participants_men", "participants_others"))
                        if row["participants_women"] != ""
                        else "",
                        lang,
                    ),
                    "requests": _figure(row["requests_total"], lang),
                    "answered": _figure(row["requests_answered"], lang),
                    "median": _figure(row["median_working_days"], lang) if row["requests_answered"] else "",
                    "within": _figure(share * 100, lang, 0) + ("\u202f%" if lang == "fr" else "%")
                    if share != "" and row["requests_answered"]
                    else "",
                    "stale": row["stale"] and level == "country",
                    "fetched_at": row["fetched_at"][:16].replace("T", " "),
                }
            )
        return _render(request, "federation.html", rows=rows)

    def _public_map(self, office, located, lang: str) -> public_map.Drawing:
        """The office at the centre (where the registry has no place for it, the middle of the requests)."""
        profile = self.registry.GetOfficeProfile(registry_pb.GetOfficeRequest(office_id=office.office_id))
        if profile.HasField("location"):
            centre = (profile.location.latitude, profile.location.longitude)
        else:
            centre = (
                sum(r.location.latitude for r in located) / len(located),
                sum(r.location.longitude for r in located) / len(located),
            )
        kinds, categories = KIND_LABELS[lang], portal.TEXT[lang]["categories"]
        return public_map.draw(
            centre,
            [
                (
                    r.location.latitude,
                    r.location.longitude,
                    f"{kinds.get(kind_key(r.kind), '')} · {categories.get(r.category, r.category)}",
                )
                for r in located
            ],
        )
