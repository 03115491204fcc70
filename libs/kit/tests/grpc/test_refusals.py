"""A refusal raised by a rule module reaches a gRPC client as the status the service layer's
DomainError always gave: the code of cokit.errors' table, the message, and an ErrorInfo with
the reason, the platform's domain and the metadata."""

from __future__ import annotations

import grpc
import pytest
from google.rpc.status_pb2 import Status

from citizenoffice.bench.v1 import bench_pb2, bench_pb2_grpc
from cokit.errors import ERROR_DOMAIN, KINDS, STATUS_CODES, DomainError, error_info, status_code
from cokit.refusals import Kind, Refusal

pytestmark = pytest.mark.timeout(60)


def test_every_kind_has_one_status_code_and_back():
    assert set(STATUS_CODES) == set(Kind)
    assert len(set(STATUS_CODES.values())) == len(Kind)
    assert all(KINDS[code] is kind for kind, code in STATUS_CODES.items())


def test_domain_error_is_the_refusal_spelled_with_its_code():
    for kind, code in STATUS_CODES.items():
        error = DomainError(code, "R", "m", field="f")
        assert isinstance(error, Refusal) and error.kind is kind and error.code is code
        assert status_code(Refusal(kind, "R", "m")) is code
    with pytest.raises(ValueError):
        DomainError(grpc.StatusCode.INTERNAL, "R", "m")


@pytest.fixture(scope="module")
def refusing(refusing_server):
    with refusing_server.channel() as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield bench_pb2_grpc.BenchStub(channel)


def refused(stub, payload: str) -> tuple[grpc.StatusCode, str, Status]:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Echo(bench_pb2.EchoRequest(payload=payload.encode()), timeout=5)
    call = caught.value
    details = dict(call.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
    return call.code(), call.details(), Status.FromString(details)


@pytest.mark.parametrize("kind", list(Kind), ids=lambda kind: kind.name)
def test_a_plain_refusal_crosses_the_wire_as_the_domain_error_of_its_code(refusing, kind):
    code, message, status = refused(refusing, f"kind:{kind.name}")
    assert (code, message) == (STATUS_CODES[kind], "the rule says no")
    info = error_info(status)
    assert (info.reason, info.domain, dict(info.metadata)) == (
        "SOME_REASON",
        ERROR_DOMAIN,
        {"field": "f", "limit": "3"},
    )
    assert refused(refusing, f"code:{STATUS_CODES[kind].name}") == (code, message, status)


def test_a_kit_rule_module_refusal_keeps_its_code_reason_and_metadata(refusing):
    code, message, status = refused(refusing, "page-token")
    info = error_info(status)
    assert (code, message) == (grpc.StatusCode.INVALID_ARGUMENT, "page_token is not one of ours")
    assert (status.code, info.reason, info.domain) == (
        grpc.StatusCode.INVALID_ARGUMENT.value[0],
        "PAGE_TOKEN_INVALID",
        ERROR_DOMAIN,
    )
    assert dict(info.metadata) == {"field": "page_token"}


def test_anything_else_is_internal_and_says_nothing(refusing):
    code, message, status = refused(refusing, "boom")
    assert (code, message, list(status.details)) == (grpc.StatusCode.INTERNAL, "internal error", [])
