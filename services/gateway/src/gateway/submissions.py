"""A citizen's submission, from the REST API or the portal's form: the contact to identity, the
files to documents, then the request to tickets, so that only pseudonyms and attachment ids reach
tickets."""

from __future__ import annotations

from citizenoffice.documents.v1 import documents_pb2 as documents_pb
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb

from .caller import forward
from .translate import submission_from_form


def submit(request, channel: int, *, identity, registry, documents, tickets) -> tickets_pb.Receipt:
    form = submission_from_form(request)
    citizen_id = ""
    if form.contact is not None:
        citizen = identity.UpsertCitizen(identity_pb.UpsertCitizenRequest(**form.contact))
        citizen_id = citizen.citizen_id
    office = registry.GetOffice(registry_pb.GetOfficeRequest(office_id=form.office))
    attachment_ids = []
    for upload in form.files:
        stored = documents.StoreAttachment(
            documents_pb.StoreAttachmentRequest(
                office_id=office.office_id,
                filename=upload.filename,
                declared_content_type=upload.content_type,
                content=upload.content,
                owner_citizen_id=citizen_id,
            ),
            # A signed-in citizen's files are theirs: documents reads the verified token.
            metadata=forward(request),
        )
        attachment_ids.append(stored.attachment_id)
    return tickets.Submit(
        tickets_pb.SubmitRequest(
            office_id=office.office_id,
            kind=form.kind,
            category=form.category,
            description=form.description,
            citizen_id=citizen_id,
            attachment_ids=attachment_ids,
            location=form.location,
            channel=channel,
            language=form.language,
            public=form.public,
        ),
        # A signed-in citizen's request is theirs: tickets reads the verified token.
        metadata=forward(request),
    )
