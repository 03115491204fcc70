"""What an attachment may be: its type decided by its bytes, never by its name."""
from __future__ import annotations

from cokit.errors import invalid_argument

MAX_SMALL_UPLOAD = 8 * 1024 * 1024  # larger files go through presigned uploads

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def detect_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_attachment(content: bytes, declared_content_type: str) -> str:
    """Return the detected content type or raise INVALID_ARGUMENT with the reason."""
    if not content:
        raise invalid_argument("ATTACHMENT_EMPTY", "the file is empty")
    if len(content) > MAX_SMALL_UPLOAD:
        raise invalid_argument(
            "ATTACHMENT_TOO_LARGE", f"files are limited to {MAX_SMALL_UPLOAD // (1024 * 1024)} MB",
            limit=MAX_SMALL_UPLOAD,
        )
    detected = detect_content_type(content[:16])
    if detected is None:
        raise invalid_argument(
            "ATTACHMENT_TYPE_NOT_ALLOWED", "only JPEG, PNG, WebP photos and PDF documents are accepted"
        )
    declared = (declared_content_type or "").split(";")[0].strip().lower()
    if declared.startswith("image/") and not detected.startswith("image/"):
        raise invalid_argument(
            "ATTACHMENT_TYPE_MISMATCH", f"the file says it is {declared} but its content is {detected}"
        )
    return detected

