import io

import pytest
from PIL import Image

from cokit.refusals import Refusal
from documents import images

from photos import has_gps, jpeg_with_gps


def test_the_fixture_really_carries_a_gps_position():
    photo = jpeg_with_gps()
    assert has_gps(photo)
    assert b"PhoneMaker" in photo and b"home: rue 12" in photo


def test_a_photo_is_re_encoded_without_exif_gps_or_comment():
    clean = images.sanitize(jpeg_with_gps(), "image/jpeg")
    image = Image.open(io.BytesIO(clean))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and not has_gps(clean)
    assert b"Exif" not in clean and b"PhoneMaker" not in clean and b"home: rue 12" not in clean
    assert "comment" not in image.info


def test_the_orientation_is_applied_to_the_pixels_before_the_tag_goes():
    # orientation 6: the camera was turned; the stored photo must come out upright
    clean = images.sanitize(jpeg_with_gps(size=(64, 48), orientation=6), "image/jpeg")
    assert Image.open(io.BytesIO(clean)).size == (48, 64)


def test_png_text_chunks_are_dropped():
    image = Image.new("RGBA", (10, 10), (1, 2, 3, 255))
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "35.57,-5.37")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    assert b"35.57" in out.getvalue()
    clean = images.sanitize(out.getvalue(), "image/png")
    assert b"35.57" not in clean and Image.open(io.BytesIO(clean)).mode == "RGBA"


def test_thumbnail_fits_the_box():
    thumb = images.thumbnail(jpeg_with_gps(size=(1200, 600)), "image/jpeg")
    image = Image.open(io.BytesIO(thumb))
    assert image.size == (320, 160) and not image.getexif()


def test_a_damaged_photo_is_refused():
    with pytest.raises(Refusal) as err:
        images.sanitize(b"\xff\xd8\xff\xe0" + b"\0" * 100, "image/jpeg")
    assert err.value.reason == "IMAGE_UNREADABLE"


def test_a_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # 81 Mpx in a few KB
    assert len(out.getvalue()) < 200_000
    with pytest.raises(Refusal) as err:
        images.sanitize(out.getvalue(), "image/png")
    assert err.value.reason == "IMAGE_TOO_LARGE"
