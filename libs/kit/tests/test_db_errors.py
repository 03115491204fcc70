"""A database that cannot be reached is UNAVAILABLE (DATABASE_UNAVAILABLE) to the caller, which
may try again, where a wrong statement stays an internal error; a peer's UNAVAILABLE is passed
on as it is (services/gateway/tests/test_problems.py: both become 503 problem bodies)."""

from __future__ import annotations

import socket

import pg8000.core
import pg8000.exceptions
import pytest
import sqlalchemy as sa
from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from cokit import errors
from cokit.db import database_unreachable


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raised(fn) -> BaseException:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - the exception is what is examined
        return exc
    raise AssertionError("nothing raised")


def refused() -> sa.exc.DBAPIError:
    engine = sa.create_engine(f"postgresql+pg8000://u:p@127.0.0.1:{closed_port()}/db", pool_pre_ping=True)
    return raised(engine.connect)


def server_error(code: str, text: str) -> sa.exc.DBAPIError:
    return sa.exc.DatabaseError("select 1", {}, pg8000.exceptions.DatabaseError({"S": "FATAL", "C": code, "M": text}))


def reset_in_driver() -> ConnectionResetError:
    class Reset:
        def read(self, size):
            raise ConnectionResetError(104, "Connection reset by peer")

    return raised(lambda: pg8000.core._read(Reset(), 4))


def to_status(exc: BaseException) -> GrpcError:
    errors.install()
    return GrpcError.from_exception((type(exc), exc, exc.__traceback__))


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(refused(), id="connection refused"),
        pytest.param(server_error("57P03", "the database system is starting up"), id="starting up"),
        pytest.param(server_error("57P01", "terminating connection due to administrator command"), id="shut down"),
        pytest.param(server_error("08006", "connection failure"), id="connection failure"),
        pytest.param(server_error("53300", "sorry, too many clients already"), id="no connection slot"),
        pytest.param(sa.exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"), id="pool exhausted"),
        pytest.param(reset_in_driver(), id="reset while the driver reads"),
        pytest.param(
            sa.exc.PendingRollbackError("Can't reconnect until invalid transaction is rolled back", code="8s2b"),
            id="statement after the connection was lost",
        ),
    ],
)
def test_a_database_out_of_reach_is_unavailable_with_its_reason(exc):
    assert database_unreachable(exc)
    status = to_status(exc)
    assert status.code == StatusCode.UNAVAILABLE
    info = errors.error_info(status.status)
    assert info.reason == "DATABASE_UNAVAILABLE" and info.domain == "citizenoffice"
    assert "127.0.0.1" not in status.message and "pg8000" not in status.message


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(server_error("42601", 'syntax error at or near "selec"'), id="syntax error"),
        pytest.param(server_error("23505", "duplicate key value violates unique constraint"), id="unique violation"),
        pytest.param(raised(lambda: sa.create_engine("sqlite://").connect().execute(sa.text("selec 1"))), id="sqlite"),
        pytest.param(ValueError("a bug"), id="not a database error"),
        pytest.param(ConnectionResetError(104, "Connection reset by peer"), id="a reset elsewhere"),
    ],
)
def test_a_wrong_statement_or_a_bug_stays_internal(exc):
    assert not database_unreachable(exc)
    status = to_status(exc)
    assert status.code == StatusCode.INTERNAL and status.message == "internal error"
    assert errors.error_info(status.status) is None


def test_a_peers_status_is_passed_on_as_it_came():
    away = errors.unavailable("DATABASE_UNAVAILABLE", "the service cannot reach its database")
    passed = to_status(GrpcError(StatusCode.UNAVAILABLE, away.message, away.to_status()))
    assert passed.code == StatusCode.UNAVAILABLE and errors.error_info(passed.status).reason == "DATABASE_UNAVAILABLE"
    unreachable_peer = to_status(GrpcError(StatusCode.UNAVAILABLE, "cannot reach 127.0.0.1:50052"))
    assert unreachable_peer.code == StatusCode.UNAVAILABLE
    assert to_status(GrpcError(StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")).code == StatusCode.DEADLINE_EXCEEDED
    refused = errors.not_found("OFFICE_NOT_FOUND", "no such office")
    passed = to_status(GrpcError(StatusCode.NOT_FOUND, refused.message, refused.to_status()))
    assert passed.code == StatusCode.NOT_FOUND and errors.error_info(passed.status).reason == "OFFICE_NOT_FOUND"
