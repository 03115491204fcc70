"""The participation database: consultations and their answer sheets, the office's responses,
survey answers, proposals and their supports, and who asked to be told of what.

A person appears only as `citizen_id` (identity's pseudonymous id) on their own rows, and as a
participant key (a digest of the consultation and the account or ballot) that keeps one answer
per person. Erasure clears both: the answers stay counted, tied to nobody.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

metadata = sa.MetaData()


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


consultations = sa.Table(
    "consultations",
    metadata,
    sa.Column("consultation_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("commune_code", sa.String(64), nullable=False),
    sa.Column("whole_commune", sa.Boolean, nullable=False, default=False),
    sa.Column("title", sa.Text, nullable=False),  # JSON: language -> text
    sa.Column("description", sa.Text, nullable=False),  # JSON
    sa.Column("questions", sa.Text, nullable=False),  # JSON: list of questions with options
    sa.Column("eligibility", sa.String(16), nullable=False),
    _ts("opens_at", False),
    _ts("closes_at", False),
    sa.Column("published", sa.Boolean, nullable=False, default=False),
    sa.Column("participants", sa.Integer, nullable=False, default=0),
    # When consultation.opened / .closed were written: each once, by whichever replica's clock.
    _ts("opened_noted_at"),
    _ts("closed_noted_at"),
    _ts("created_at", False),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("answer_id", sa.String(36), primary_key=True),
    sa.Column("consultation_id", sa.String(36), nullable=False, index=True),
    sa.Column("participant_key", sa.String(64), nullable=False),
    sa.Column("citizen_id", sa.String(36), nullable=True, index=True),  # purpose: export, erasure
    sa.Column("sheet", sa.Text, nullable=False),  # JSON: question id -> option ids or text
    _ts("answered_at", False),
    sa.UniqueConstraint("consultation_id", "participant_key", name="uq_answers_one_per_person"),
)

responses = sa.Table(
    "responses",
    metadata,
    sa.Column("response_id", sa.String(36), primary_key=True),
    sa.Column("consultation_id", sa.String(36), nullable=False, index=True),
    sa.Column("stage", sa.String(8), nullable=False),  # planned | done
    sa.Column("text", sa.Text, nullable=False),  # JSON
    sa.Column("on_date", sa.Date, nullable=False),
    _ts("written_at", False),
)

# Who asked to be told of a consultation's results and response, or of a proposal's outcome.
subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("subject_id", sa.String(36), primary_key=True),  # a consultation or a proposal
    sa.Column("citizen_id", sa.String(36), primary_key=True),
    sa.Column("language", sa.String(8), nullable=False),
    _ts("created_at", False),
)

surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("survey_id", sa.String(36), primary_key=True),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("context", sa.String(16), nullable=False),  # request | workshop
    # One answer per closed request (its ticket id) or per workshop ballot (a digest).
    sa.Column("subject_key", sa.String(64), nullable=False),
    sa.Column("scores", sa.Text, nullable=False),  # JSON: question -> 1..5
    sa.Column("yes", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),  # read by the office's staff only
    _ts("answered_at", False),
    sa.UniqueConstraint("context", "subject_key", name="uq_surveys_one_per_subject"),
)

proposal_rules = sa.Table(
    "proposal_rules",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("window_days", sa.Integer, nullable=False),
)

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("proposal_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("author_id", sa.String(36), nullable=True, index=True),  # cleared by erasure
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # collecting | forwarded | expired | hidden
    sa.Column("supports", sa.Integer, nullable=False, default=0),
    sa.Column("threshold", sa.Integer, nullable=False),
    _ts("posted_at", False),
    _ts("support_until", False),
    sa.Column("ticket_id", sa.String(36), nullable=True),
    sa.Column("tracking_code", sa.String(32), nullable=True),
    sa.Column("moderation_reason", sa.Text, nullable=True),
    _ts("forwarded_at"),
)

supports = sa.Table(
    "supports",
    metadata,
    sa.Column("proposal_id", sa.String(36), primary_key=True),
    sa.Column("supporter_key", sa.String(64), primary_key=True),
    sa.Column("citizen_id", sa.String(36), nullable=True, index=True),  # cleared by erasure
    _ts("supported_at", False),
)


def participant_key(subject_id: str, who: str) -> str:
    """One answer per person: the same account or ballot gives the same key for one
    consultation, and keys of two consultations cannot be matched to each other."""
    return hashlib.sha256(f"{subject_id}:{who}".encode()).hexdigest()


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def load(text: str | None):
    return json.loads(text) if text else {}
