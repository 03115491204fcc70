"""The registry service: offices over gRPC."""
from __future__ import annotations

import dataclasses

from citizenoffice.registry.v1 import registry_pb2 as pb
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from cokit.errors import not_found
from cokit.events.tables import add_event_tables
from cokit.service import kit_service, migrator, rpc
from cokit.settings import ServiceSettings

from . import store

grpc = rpc(RegistryServiceStub)
add_event_tables(store.metadata)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "registry"
    grpc_port: int = 50052
    metrics_port: int = 9102
    database_url: str = "sqlite:///.local/data/registry.db"


def office_message(row) -> pb.Office:
    return pb.Office(
        office_id=row["office_id"], slug=row["slug"], commune_code=row["commune_code"],
        name=pb.LocalizedName(ar=row["name_ar"], fr=row["name_fr"], zgh=row["name_zgh"], en=row["name_en"]),
        phase=pb.Phase.Value(row["phase"].upper()), status=row["status"], timezone=row["timezone"],
        instance_id=row["instance_id"],
    )


class RegistryService(kit_service(pb)):
    name = "registry"

    @grpc
    def GetOffice(self, request, context):
        key = request.office_id.strip()
        with self.db.connect() as conn:
            row = store.get_office(conn, key) if key else None
        if row is None:
            raise not_found("OFFICE_NOT_FOUND", f"no office {key!r}", office_id=key)
        return office_message(row)

    @grpc
    def ListOffices(self, request, context):
        with self.db.connect() as conn:
            rows = store.list_offices(conn, request.status)
        return pb.ListOfficesResponse(offices=[office_message(r) for r in rows])


SERVICE = RegistryService
migrate = migrator(store.metadata, after=lambda conn, settings: store.seed(conn, settings.instance_id))
