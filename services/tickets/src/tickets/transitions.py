"""Applying a workflow transition to a stored ticket: the new row values, the history line
and the event, in the caller's transaction. Shared by the Transition RPC and the scheduler.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from cokit.timestamps import to_timestamp
from cokit.refusals import failed_precondition

from citizenoffice.tickets.v1 import tickets_pb2 as pb

from . import deadlines, store, workflow

KIND_VALUES = {
    "complaint": pb.COMPLAINT, "observation": pb.OBSERVATION, "suggestion": pb.SUGGESTION,
    "information_request": pb.INFORMATION_REQUEST, "administrative_request": pb.ADMINISTRATIVE_REQUEST,
    "petition": pb.PETITION,
}
# What a transition may record, and so show the requester; anything else in the request is dropped.
DETAIL_FIELDS = ("reason", "answer", "outcome", "exception_code", "remedies", "redaction", "message",
                 "committee", "session_date")


timestamp = to_timestamp


def facts_of(row) -> workflow.Facts:
    optional = lambda name: store.as_utc(row[name]) if row[name] is not None else None  # noqa: E731
    return workflow.Facts(
        kind=row["kind"], status=row["status"], citizen_id=row["citizen_id"] or "",
        submitted_at=store.as_utc(row["submitted_at"]), answer_by=store.as_utc(row["answer_by"]),
        extended=bool(row["extended"]), urgent=bool(row["urgent"]), decided_at=optional("decided_at"),
        closed_at=optional("closed_at"), signatures=row["signature_count"],
        signature_threshold=row["signature_threshold"],
    )


@dataclasses.dataclass(frozen=True)
class Applied:
    step: workflow.Transition
    changes: dict


def apply(conn, outbox, row, action: str, actor: workflow.Actor, fields: dict, ctx: workflow.Context) -> Applied:
    """Decide, then write: raises the domain error, or FAILED_PRECONDITION CONCURRENT_CHANGE
    when another writer moved the ticket between our read and our write."""
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
    changes["due_at"] = deadlines.watched_deadline(facts.kind, step.target, store.as_utc(row["acknowledge_by"]), answer_by)
    details = {k: str(fields[k]) for k in DETAIL_FIELDS if fields.get(k)}
    history = {
        "status": step.target, "from_status": facts.status, "action": action, "at": now,
        "actor": actor.id[:64], "actor_role": actor.role, "details": json.dumps(details, ensure_ascii=False),
    }
    if not store.apply_transition(conn, row["ticket_id"], facts.status, row["version"], changes, history):
        raise failed_precondition("CONCURRENT_CHANGE", "the request changed meanwhile; reload it and try again")
    outbox.add(
        conn, workflow.event_type(step), row["ticket_id"],
        pb.TicketTransitioned(
            ticket_id=row["ticket_id"], office_id=row["office_id"], kind=KIND_VALUES[row["kind"]], action=action,
            from_status=facts.status, to_status=step.target, actor_role=actor.role,
            answer_by=timestamp(answer_by), tracking_code=row["tracking_code"], citizen_id=row["citizen_id"] or "",
        ),
        office_id=row["office_id"],
    )
    return Applied(step, changes)
