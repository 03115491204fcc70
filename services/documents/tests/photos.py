"""Photos as a phone writes them: EXIF with the camera and the GPS position."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
LATITUDE = (35.0, 34.0, 12.5)  # near Tetouan


def jpeg_with_gps(size=(64, 48), orientation: int | None = None, comment: bytes = b"") -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: LATITUDE, 3: "W", 4: (5.0, 22.0, 1.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=comment or b"home: rue 12")
    return out.getvalue()


def has_gps(content: bytes) -> bool:
    image = Image.open(io.BytesIO(content))
    return bool(image.getexif().get_ifd(GPS_IFD))
