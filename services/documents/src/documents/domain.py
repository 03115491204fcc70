"""What an attachment may be, how long a closed ticket's attachments are kept, and what a
commune publishes. Who may read an attachment is the platform's policy (cokit.auth.policy,
action attachment.read).

Types are decided by the bytes, never by the name; each category has its own size limit.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from cokit.refusals import invalid_argument

MiB = 1024 * 1024
MAX_SMALL_UPLOAD = 8 * MiB  # larger files go through presigned uploads
# Above this a presigned upload is split into parts (S3 multipart): one failed request
# then costs one part, not the whole scan.
MULTIPART_THRESHOLD = 16 * MiB
PART_SIZE = 8 * MiB  # S3's minimum part is 5 MiB

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PDF = "application/pdf"

# category -> (accepted detected types, size limit in bytes)
CATEGORY_RULES: dict[str, tuple[frozenset, int]] = {
    "PHOTO": (IMAGE_TYPES, 8 * MiB),
    "DOCUMENT": (frozenset({PDF}), 100 * MiB),
    "PHOTO_OR_DOCUMENT": (IMAGE_TYPES | {PDF}, 20 * MiB),
}
DEFAULT_CATEGORY = "PHOTO_OR_DOCUMENT"

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", PDF),
)


def category_name(name: str) -> str:
    return name if name in CATEGORY_RULES else DEFAULT_CATEGORY


def size_limit(category: str) -> int:
    return CATEGORY_RULES[category_name(category)][1]


def detect_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_size(size: int, category: str) -> None:
    if size <= 0:
        raise invalid_argument("ATTACHMENT_EMPTY", "the file is empty")
    limit = size_limit(category)
    if size > limit:
        raise invalid_argument(
            "ATTACHMENT_TOO_LARGE",
            f"files of this kind are limited to {limit // MiB} MB",
            limit=limit,
        )


def check_content(head: bytes, size: int, declared_content_type: str, category: str = DEFAULT_CATEGORY) -> str:
    """Return the detected content type or raise INVALID_ARGUMENT with the reason."""
    check_size(size, category)
    detected = detect_content_type(head[:16])
    accepted = CATEGORY_RULES[category_name(category)][0]
    if detected is None or detected not in accepted:
        names = ", ".join(sorted(t.split("/")[1].upper() for t in accepted))
        raise invalid_argument(
            "ATTACHMENT_TYPE_NOT_ALLOWED",
            f"only these files are accepted here: {names}",
            detected=detected or "unknown",
        )
    declared = (declared_content_type or "").split(";")[0].strip().lower()
    if declared.startswith("image/") and not detected.startswith("image/"):
        raise invalid_argument(
            "ATTACHMENT_TYPE_MISMATCH", f"the file says it is {declared} but its content is {detected}"
        )
    return detected


def check_attachment(content: bytes, declared_content_type: str, category: str = DEFAULT_CATEGORY) -> str:
    """A small upload held in memory: over-the-wire limit first, then the category's rules."""
    if len(content) > MAX_SMALL_UPLOAD:
        raise invalid_argument(
            "ATTACHMENT_TOO_LARGE",
            f"files sent directly are limited to {MAX_SMALL_UPLOAD // MiB} MB; use an upload URL for larger ones",
            limit=MAX_SMALL_UPLOAD,
        )
    return check_content(content[:16], len(content), declared_content_type, category)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_announced_upload(size: int, sha256: str, category: str) -> None:
    check_size(size, category)
    if not _SHA256.match(sha256 or ""):
        raise invalid_argument("SHA256_MALFORMED", "sha256 must be 64 lowercase hex digits", field="sha256")


def check_received(announced_size: int, announced_sha256: str, size: int, sha256: str) -> None:
    """The bytes in the bucket must be the ones the client announced."""
    if size != announced_size:
        raise invalid_argument(
            "UPLOAD_SIZE_MISMATCH",
            f"{announced_size} bytes were announced but {size} arrived",
            announced=announced_size,
            received=size,
        )
    if sha256 != announced_sha256:
        raise invalid_argument("UPLOAD_SHA256_MISMATCH", "the file that arrived is not the one announced")


def part_count(size: int) -> int:
    return 1 if size <= MULTIPART_THRESHOLD else -(-size // PART_SIZE)


# --- proactive publication (Law 31-13) --------------------------------------------------

PUBLICATION_KINDS = ("BUDGET", "COUNCIL_DELIBERATION", "PROCEDURE", "TENDER", "RECRUITMENT_RESULT", "REPORT")
PUBLICATION_LANGUAGES = ("ar", "fr", "en", "zgh")
EXPORT_COLUMNS = (
    "document_id",
    "office_id",
    "kind",
    "title",
    "summary",
    "language",
    "document_date",
    "published_at",
    "content_type",
    "size",
    "sha256",
    "keywords",
)


def parse_date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise invalid_argument("DATE_MALFORMED", f"{field} must be a date YYYY-MM-DD", field=field) from None


def check_publication(kind: str, title: str, language: str, document_date: str) -> dt.date:
    if kind not in PUBLICATION_KINDS:
        raise invalid_argument(
            "PUBLICATION_KIND_REQUIRED",
            "choose what is published: " + ", ".join(k.lower() for k in PUBLICATION_KINDS),
            field="kind",
        )
    if not 3 <= len(title.strip()) <= 300:
        raise invalid_argument("TITLE_LENGTH", "the title must have 3 to 300 characters", field="title")
    if language not in PUBLICATION_LANGUAGES:
        raise invalid_argument(
            "LANGUAGE_UNSUPPORTED", "language must be one of " + ", ".join(PUBLICATION_LANGUAGES), field="language"
        )
    return parse_date(document_date, "document_date")


def search_words(text: str) -> list[str]:
    """Lower-cased words of a query; Arabic and Tifinagh letters count as word characters."""
    return [w for w in re.findall(r"\w+", text.lower()) if len(w) > 1][:8]


def search_text(title: str, summary: str, keywords: list[str]) -> str:
    return " ".join([title, summary, *keywords]).lower()


def export_record(row) -> dict:
    """One published document as an open-data record (same fields in CSV and JSON)."""
    published_at = row["published_at"]
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=dt.timezone.utc)
    return {
        "document_id": row["document_id"],
        "office_id": row["office_id"],
        "kind": row["kind"].lower(),
        "title": row["title"],
        "summary": row["summary"],
        "language": row["language"],
        "document_date": row["document_date"].isoformat(),
        "published_at": published_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_type": row["content_type"],
        "size": row["size"],
        "sha256": row["sha256"],
        "keywords": ";".join(json.loads(row["keywords"])),
    }


def export_attachment(row) -> dict:
    """One of a citizen's attachments in their data export (Law 09-08)."""
    stored = row["stored_at"]
    return {
        "attachment_id": row["attachment_id"],
        "office_id": row["office_id"],
        "category": row["category"] or "",
        "content_type": row["content_type"],
        "size": row["size"],
        "sha256": row["sha256"],
        "stored_at": stored.isoformat() if stored is not None else None,
        "metadata_stripped": bool(row["metadata_stripped"]),
        "purged_at": row["purged_at"].isoformat() if row.get("purged_at") is not None else None,
    }


# --- retention of closed tickets' attachments -------------------------------------------

CLOSED = "closed"


def closure_change(from_status: str, to_status: str) -> str:
    """What a ticket's transition means for its attachments' retention: "closed" starts the
    period, "reopened" (any way out of closed) cancels a purge not yet done, "" nothing."""
    if to_status == CLOSED and from_status != CLOSED:
        return "closed"
    if from_status == CLOSED and to_status != CLOSED:
        return "reopened"
    return ""


def retention_cutoff(now: dt.datetime, retention_days: float) -> dt.datetime:
    """Tickets closed at or before this moment have their attachments purged."""
    return now - dt.timedelta(days=retention_days)
