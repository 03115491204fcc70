"""Who may act on a request: the verified caller of the call (cokit.auth), mapped to the
workflow's actors. Plain Python, no I/O.

The rule, for every state-changing RPC:

- The caller is the one named by the access token on the call's metadata, verified by tickets
  itself (cokit.auth.provider.TokenVerifier, JWKS cached locally). The `actor` field of the
  request messages is ignored: a neighbour service cannot speak for a user.
- Office roles come from the caller's role bindings that cover the request's office (an office,
  its commune, or the instance), most specific first; a binding elsewhere (another office,
  commune or instance) gives nothing here, whatever its role.
- "citizen" is the requester: a user account whose subject is the request's citizen_id.
- "system" is never a caller: the deadline scheduler runs inside tickets (timer, or the
  RunDeadlines RPC which does only what the timer would do next) and applies its transitions
  directly. Calls without a token are anonymous: they may submit on the web, mobile and
  Open311 channels (a public action), and read; nothing else. A service that must change a
  request without a user calls with a machine token of its own (identity's `kind: machine`),
  whose role bindings are mapped like anyone's.
"""

from __future__ import annotations

from cokit.auth import policy
from cokit.refusals import Refusal, permission_denied, unauthenticated

from . import workflow

_LEVEL_ORDER = {policy.OFFICE: 0, policy.COMMUNE: 1, policy.INSTANCE: 2}
OFFICE_ROLES = workflow.OFFICE_STAFF
READERS = OFFICE_ROLES | {"auditor"}


def authentication_required() -> Refusal:
    return unauthenticated("AUTHENTICATION_REQUIRED", "sign in to do this")


def roles_at(caller: policy.Caller, office: policy.Scope, among=OFFICE_ROLES) -> list[str]:
    """The caller's roles (among `among`) whose binding covers the office, most specific first."""
    if caller.instance and caller.instance != office.instance:
        return []
    reaching = [b for b in caller.bindings if b.role in among and b.scope.covers(office)]
    ordered = sorted(reaching, key=lambda b: _LEVEL_ORDER[b.scope.level])
    return list(dict.fromkeys(b.role for b in ordered))


def is_requester(caller: policy.Caller, citizen_id: str) -> bool:
    return caller.kind == "user" and bool(caller.subject) and caller.subject == citizen_id


def candidates(caller: policy.Caller, office: policy.Scope, citizen_id: str) -> list[workflow.Actor]:
    """Every actor the caller may be on this request: its office roles here, then the requester."""
    actors = [workflow.Actor(caller.subject, role) for role in roles_at(caller, office)]
    if is_requester(caller, citizen_id):
        actors.append(workflow.Actor(caller.subject, workflow.CITIZEN))
    return actors


def _refusal(caller: policy.Caller, office: policy.Scope, citizen_id: str, allowed, what: str) -> Refusal:
    if not caller.authenticated:
        return authentication_required()
    if workflow.CITIZEN in allowed and caller.kind == "user" and not caller.bindings:
        return permission_denied("NOT_YOUR_REQUEST", "only the requester may do this")
    if caller.bindings and not roles_at(caller, office, among={b.role for b in caller.bindings}):
        return permission_denied(
            "OUTSIDE_YOUR_SCOPE",
            f"your roles do not reach this request's office; you may not {what}",
            office_id=office.office,
        )
    return permission_denied("ACTOR_NOT_ALLOWED", f"your roles here may not {what}")


def actor_for(caller: policy.Caller, office: policy.Scope, citizen_id: str, allowed, what: str) -> workflow.Actor:
    """The first of the caller's actors that `allowed` names, or the refusal saying why none."""
    for actor in candidates(caller, office, citizen_id):
        if actor.role in allowed:
            return actor
    raise _refusal(caller, office, citizen_id, allowed, what)


def staff_actor(caller: policy.Caller, office: policy.Scope, what: str) -> workflow.Actor:
    return actor_for(caller, office, "", OFFICE_ROLES, what)


def citizen_actor(caller: policy.Caller, what: str) -> workflow.Actor:
    """A signed-in person acting for themselves (follow, sign): any user account."""
    if not caller.authenticated:
        raise authentication_required()
    if caller.kind != "user" or not caller.subject:
        raise permission_denied("CITIZENS_ONLY", f"only a signed-in person may {what}")
    return workflow.Actor(caller.subject, workflow.CITIZEN)


def reachable_offices(caller: policy.Caller, offices: list[policy.Scope]) -> list[str]:
    """The offices whose requests the caller may read in the queues."""
    return [o.office for o in offices if roles_at(caller, o, among=READERS)]
