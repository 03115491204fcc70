"""A service that cannot reach its database, or a peer that is away, is a 503 problem body
naming the reason, never a 500 and never the peer's address."""

from __future__ import annotations

from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from cokit import errors
from gateway.problems import from_grpc_error


def test_database_unavailable_is_a_503_problem_with_its_reason():
    away = errors.unavailable(errors.DATABASE_UNAVAILABLE, "the service cannot reach its database; please try again")
    response = from_grpc_error(GrpcError(away.code, away.message, away.to_status()), "req-1")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["reason"] == "DATABASE_UNAVAILABLE" and body["status"] == 503 and body["detail"] == away.message
    assert body["instance"] == "urn:request:req-1"


def test_a_peer_out_of_reach_is_a_503_problem_without_its_address():
    response = from_grpc_error(GrpcError(StatusCode.UNAVAILABLE, "cannot reach 127.0.0.1:50052: Connection refused"))
    assert response.status_code == 503 and response.get_json(force=True)["reason"] == "UNAVAILABLE"
    assert "127.0.0.1" not in response.get_data(as_text=True)
