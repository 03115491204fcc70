"""What every gRPC service of the platform declares, in one base.

`kit_service(tickets_pb2)` gives a nameko service class: health and reflection for the
named services, a trace id per worker, metrics for every entrypoint and the service's
database engine. `migrator(service, metadata)` gives the `--migrate` step of `cokit.run`.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError

from cokit.db import Database, create_engine
from cokit.grpc.standard import standard_services
from cokit.logs import TraceContext
from cokit.metrics import Metrics
from cokit.refusals import Refusal


def kit_service(*grpc_modules) -> type:
    class KitService(standard_services(*grpc_modules)):
        trace_id = TraceContext()
        metrics = Metrics()
        db = Database()

    return KitService


def rpc(stub):
    """Decorator for a service's gRPC methods, named after the method they implement.

    Refusals and statuses passed on from other services are outcomes the caller is
    told about, not faults of this service: nameko logs them as expected, not as errors.
    """
    return Grpc.decorator(stub, expected_exceptions=(Refusal, GrpcError))


def migrator(service: str, metadata: sa.MetaData, after: Callable[[sa.Connection, object], None] | None = None):
    """The `--migrate` step: the service's revisions up to the newest (cokit.migrations), then
    `after` (seed data, checks of stored data), all in one transaction. `metadata` is what the
    service's code declares, which the newest revision must make (`python -m cokit.migrations
    <service> check`)."""

    def migrate(settings) -> None:
        from cokit.migrations import History

        engine = create_engine(settings.database_url)
        try:
            with engine.begin() as conn:
                History.of(service).upgrade(conn)
                if after is not None:
                    after(conn, settings)
        finally:
            engine.dispose()

    migrate.service = service
    migrate.metadata = metadata
    return migrate


def instance_id() -> str:
    """The federated instance this process belongs to (INSTANCE_ID)."""
    import nameko

    return nameko.config.get("INSTANCE_ID") or "ma"
