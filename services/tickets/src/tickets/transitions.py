"""A workflow transition planned on a stored ticket: the new row values, the history line
and the event. Shared by the Transition RPC and the scheduler; store.apply_transition writes
the plan in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import json

from cokit import request_types
from cokit.timestamps import as_utc, to_timestamp

from citizenoffice.tickets.v1 import tickets_pb2 as pb

from . import deadlines, workflow

# What a transition may record, and so show the requester (the fields any type's transitions ask
# for); anything else in the request is dropped.
DETAIL_FIELDS = request_types.transition_fields()


timestamp = to_timestamp


def kind_name(value: int) -> str:
    """The request type of a TicketKind value: complaint when unspecified, '?' (refused by the
    rules as unknown) when no type has it."""
    if value == pb.TICKET_KIND_UNSPECIFIED:
        return "complaint"
    found = request_types.by_wire(value)
    return found.name if found else "?"


def facts_of(row) -> workflow.Facts:
    optional = lambda name: as_utc(row[name]) if row[name] is not None else None  # noqa: E731
    return workflow.Facts(
        kind=row["kind"],
        status=row["status"],
        citizen_id=row["citizen_id"] or "",
        submitted_at=as_utc(row["submitted_at"]),
        answer_by=as_utc(row["answer_by"]),
        extended=bool(row["extended"]),
        urgent=bool(row["urgent"]),
        decided_at=optional("decided_at"),
        closed_at=optional("closed_at"),
        signatures=row["signature_count"],
        signature_threshold=row["signature_threshold"],
    )


@dataclasses.dataclass(frozen=True)
class Planned:
    step: workflow.Transition
    ticket_id: str
    office_id: str
    # The row as it was read: the write goes through only if nobody moved it since.
    from_status: str
    version: int
    changes: dict
    history: dict
    event: pb.TicketTransitioned

    @property
    def event_type(self) -> str:
        return workflow.event_type(self.step)


def plan(row, action: str, actor: workflow.Actor, fields: dict, ctx: workflow.Context) -> Planned:
    """Decide (raises the workflow's refusal), then say what changes."""
    facts = facts_of(row)
    step = workflow.decide(facts, action, actor, fields, ctx)
    now = ctx.now
    answer_by = facts.answer_by
    changes: dict = {"status": step.target, "updated_at": now}
    if action == "extend":
        answer_by = deadlines.extended(facts.answer_by, ctx.calendar, ctx.clock)
        changes.update(extended=True, answer_by=answer_by)
    if action == "appeal":
        answer_by = deadlines.appeal_answer_by(now, ctx.calendar, ctx.clock)
        changes["answer_by"] = answer_by
    if step.decision:
        changes["decided_at"] = now
    if step.closes:
        changes["closed_at"] = now
    changes["due_at"] = deadlines.watched_deadline(facts.kind, step.target, as_utc(row["acknowledge_by"]), answer_by)
    details = {k: str(fields[k]) for k in DETAIL_FIELDS if fields.get(k)}
    history = {
        "status": step.target,
        "from_status": facts.status,
        "action": action,
        "at": now,
        "actor": actor.id[:64],
        "actor_role": actor.role,
        "details": json.dumps(details, ensure_ascii=False),
    }
    event = pb.TicketTransitioned(
        ticket_id=row["ticket_id"],
        office_id=row["office_id"],
        kind=request_types.wire(row["kind"]),
        action=action,
        from_status=facts.status,
        to_status=step.target,
        actor_role=actor.role,
        answer_by=timestamp(answer_by),
        tracking_code=row["tracking_code"],
        citizen_id=row["citizen_id"] or "",
    )
    return Planned(step, row["ticket_id"], row["office_id"], facts.status, row["version"], changes, history, event)
