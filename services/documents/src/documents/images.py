"""Photos re-encoded from their pixels only, so no EXIF, GPS position, camera serial or
comment a citizen's phone wrote survives into the bucket; plus a small thumbnail.

Plain functions over bytes (no I/O); the service runs them off the event loop.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from cokit.refusals import invalid_argument

# A decompression bomb (a few KB that expand to gigapixels) is refused, not decoded.
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (320, 320)
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _open(content: bytes, content_type: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(content), formats=[_FORMATS[content_type]])
        if image.width * image.height > MAX_PIXELS:
            raise invalid_argument("IMAGE_TOO_LARGE", f"images are limited to {MAX_PIXELS // 1_000_000} megapixels")
        image.load()
    except Image.DecompressionBombError:
        raise invalid_argument(
            "IMAGE_TOO_LARGE", f"images are limited to {MAX_PIXELS // 1_000_000} megapixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise invalid_argument("IMAGE_UNREADABLE", "the image cannot be read; it may be damaged") from None
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    # The orientation tag is applied to the pixels before the tags go, so photos stay upright.
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGB")
    # A fresh image carries no info dict: nothing of the original's metadata can leak.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P" and image.getpalette():
        clean.putpalette(image.getpalette())
    return clean


def sanitize(content: bytes, content_type: str) -> bytes:
    """The same picture in the same format, without any metadata."""
    image = _pixels_only(_open(content, content_type))
    out = io.BytesIO()
    fmt = _FORMATS[content_type]
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return out.getvalue()


def thumbnail(content: bytes, content_type: str) -> bytes:
    image = _open(content, content_type)
    image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
