"""The identity service: citizens' contacts (accounts, roles and tokens come next)."""
from __future__ import annotations

import dataclasses

from citizenoffice.identity.v1 import identity_pb2 as pb
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from cokit.errors import not_found
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.settings import ServiceSettings

from . import domain, store

grpc = rpc(IdentityServiceStub)
add_event_tables(store.metadata)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "identity"
    grpc_port: int = 50051
    metrics_port: int = 9101
    database_url: str = "sqlite:///.local/data/identity.db"


def citizen_message(row) -> pb.Citizen:
    return pb.Citizen(
        citizen_id=row["citizen_id"], email=row["email"] or "", phone=row["phone"] or "",
        display_name=row["display_name"], language=row["language"],
    )


class IdentityService(kit_service(pb)):
    name = "identity"
    events = OutboxRelay(engine="db")

    @grpc
    def UpsertCitizen(self, request, context):
        contact = domain.clean_contact(request.email, request.phone, request.display_name, request.language)
        instance_id = current_instance()
        with self.db.begin() as conn:
            row, created = store.upsert_citizen(conn, contact, instance_id)
            if created:
                self.events.add(
                    conn, "user.registered", row["citizen_id"],
                    pb.UserRegistered(citizen_id=row["citizen_id"], language=row["language"]),
                )
        return citizen_message(row)

    @grpc
    def GetCitizen(self, request, context):
        with self.db.connect() as conn:
            row = store.get_citizen(conn, request.citizen_id)
        if row is None:
            raise not_found("CITIZEN_NOT_FOUND", "no such citizen")
        return citizen_message(row)


SERVICE = IdentityService
migrate = migrator(store.metadata)
