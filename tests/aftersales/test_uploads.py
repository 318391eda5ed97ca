"""Customer photo uploads: type from content, bounded reads, pixel limits, re-encoding without metadata, storage.

Every test image is made here with Pillow, or built byte by byte. No binary fixtures are committed.
"""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.functional import Promise
from PIL import ExifTags, Image

from aftersales.uploads import CleanImage, UploadRejected, clean_image, store_image

NOT_AN_IMAGE = "This file is not a photo we can read: please send a JPEG, PNG or WebP image."
CORRUPT = "This photo is damaged or incomplete: please send it again."
HEIC = "This photo is in HEIC format, which we cannot read yet: please send it as a JPEG."


# -- building test files -----------------------------------------------------------------------------

def encode(image, fmt, **params):
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def gps_exif(orientation=None):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 1.5)
    return exif


RED, BLUE = (255, 0, 0), (0, 0, 255)


def near(pixel, colour, tolerance=60):
    """Lossy encoders shift colours a little; a colour within ``tolerance`` on each channel is the same."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def halves(size, left=RED, right=BLUE, mode="RGB"):
    """An image whose left half is one colour and right half another, to see which way it was turned."""
    image = Image.new(mode, size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width, height, *, rows=1):
    """A 1-bit greyscale PNG whose header declares width×height but that holds only ``rows`` rows.

    It is a few hundred bytes whatever it declares. Decoding all of it would need width×height pixels.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(row * rows, 9))
            + png_chunk(b"IEND", b""))


class CountingFile(io.RawIOBase):
    """An endless upload (or one of ``length`` bytes) that counts what is read from it; ``size`` may lie."""

    def __init__(self, length=None, size=None):
        self.length, self.size, self.bytes_read = length, size, 0
        self.name = "huge.jpg"

    def readable(self):
        return True

    def read(self, n=-1):
        left = self.length - self.bytes_read if self.length is not None else n
        n = left if n is None or n < 0 else min(n, left)
        if n is None or n < 0:
            raise AssertionError("clean_image asked to read everything")
        self.bytes_read += n
        return b"\xff" * n


def named(data, name):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def reject(data, **kwargs):
    with pytest.raises(UploadRejected) as raised:
        clean_image(data if hasattr(data, "read") else upload(data), **kwargs)
    return raised.value


def reopen(clean):
    image = Image.open(io.BytesIO(clean.content))
    image.load()
    return image


# -- accepted, re-encoded, metadata gone ---------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "content_type", "extension"), [
    ("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp"),
])
def test_a_valid_photo_is_accepted_and_re_encoded_without_exif(fmt, content_type, extension):
    data = encode(halves((64, 48)), fmt, exif=gps_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the source does carry GPS

    clean = clean_image(upload(data, name="holiday.jpg", content_type="application/octet-stream"))

    assert isinstance(clean, CleanImage)
    assert (clean.content_type, clean.extension, clean.width, clean.height) == (content_type, extension, 64, 48)
    assert clean.content != data
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()
    assert clean.original_name == f"holiday.{extension}"
    result = reopen(clean)
    assert result.format == fmt
    assert len(result.getexif()) == 0
    assert not result.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & set(result.info)
    assert b"PhoneMaker" not in clean.content


def test_the_type_comes_from_the_content_not_the_name_or_the_browser():
    clean = clean_image(upload(encode(halves((8, 8)), "PNG"), name="photo.jpg", content_type="application/pdf"))
    assert (clean.content_type, clean.extension, clean.original_name) == ("image/png", "png", "photo.png")


def test_exif_orientation_is_applied_before_the_metadata_goes():
    tiny = clean_image(upload(encode(Image.new("RGB", (2, 1), "white"), "JPEG", exif=gps_exif(orientation=6))))
    assert (tiny.width, tiny.height) == (1, 2)
    assert reopen(tiny).size == (1, 2)

    # Orientation 6 means "turn 90° clockwise to view", so the left half (red) ends up on top.
    clean = clean_image(upload(encode(halves((40, 20)), "JPEG", quality=95, exif=gps_exif(orientation=6))))
    image = reopen(clean)
    assert image.size == (20, 40)
    assert near(image.getpixel((10, 5)), RED)
    assert near(image.getpixel((10, 35)), BLUE)
    assert ExifTags.Base.Orientation not in image.getexif()


def test_png_text_chunks_and_colour_profile_are_dropped():
    from PIL import ImageCms, PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "home address: 1 Secret Lane")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(halves((16, 16)), "PNG", pnginfo=text, icc_profile=icc)

    clean = clean_image(upload(data, name="scan.png"))

    assert b"Secret Lane" not in clean.content
    assert reopen(clean).info == {}


def test_transparency_is_kept_as_png():
    image = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    image.paste((0, 255, 0, 255), (0, 0, 5, 10))
    clean = clean_image(upload(encode(image, "PNG"), name="cutout.png"))
    result = reopen(clean)
    assert (clean.content_type, result.mode) == ("image/png", "RGBA")
    assert result.getpixel((8, 5))[3] == 0
    assert result.getpixel((2, 5)) == (0, 255, 0, 255)


def test_a_palette_png_with_a_transparent_colour_becomes_rgba():
    image = Image.new("P", (6, 6), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 3, 6))
    clean = clean_image(upload(encode(image, "PNG", transparency=0), name="icon.png"))
    result = reopen(clean)
    assert result.mode == "RGBA"
    assert result.getpixel((5, 0))[3] == 0
    assert result.getpixel((0, 0)) == (200, 0, 0, 255)


def test_a_cmyk_jpeg_is_converted_to_rgb():
    clean = clean_image(upload(encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG")))
    result = reopen(clean)
    assert (clean.content_type, result.mode) == ("image/jpeg", "RGB")
    assert near(result.getpixel((4, 4)), RED)


def test_an_animated_webp_keeps_only_its_first_frame():
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    result = reopen(clean_image(upload(data, name="clip.webp")))

    assert getattr(result, "n_frames", 1) == 1
    assert near(result.getpixel((5, 5)), RED)


def test_the_original_name_is_made_safe_and_gets_the_real_extension():
    png = encode(Image.new("RGB", (4, 4)), "PNG")
    names = {
        "../../etc/passwd.png": "passwd.png",
        "C:\\Users\\ana\\My photo (1).JPG": "My_photo_1.png",
        "..": "photo.png",
        "": "photo.png",
        "bad\x00name\r\n.gif": "badname.png",
        "x" * 300 + ".png": "x" * 80 + ".png",
    }
    # A raw file object: Django's own UploadedFile already drops folders and would refuse "..".
    assert {name: clean_image(named(png, name)).original_name for name in names} == names
    assert clean_image(upload(png, name="../../etc/My photo.png")).original_name == "My_photo.png"
    assert clean_image(io.BytesIO(png)).original_name == "photo.png"  # no name at all


# -- refused ------------------------------------------------------------------------------------------

def _zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", "not really")
    return out.getvalue()


@pytest.mark.parametrize("data", [
    pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n", id="pdf"),
    pytest.param(b"Hello, this is my receipt.\n", id="text"),
    pytest.param(_zip(), id="zip"),
    pytest.param(b"", id="empty"),
    pytest.param(b"\xff\xd8\xff", id="jpeg-magic-only"),
    pytest.param(encode(Image.new("RGB", (8, 8)), "GIF"), id="gif"),
    pytest.param(encode(Image.new("RGB", (8, 8)), "BMP"), id="bmp"),
    pytest.param(encode(Image.new("RGB", (8, 8)), "TIFF"), id="tiff"),
    pytest.param(encode(Image.new("RGB", (8, 8)), "AVIF"), id="avif-pillow-reads-but-we-do-not-accept"),
])
def test_a_file_that_is_not_an_accepted_photo_is_refused_whatever_its_name(data):
    err = reject(upload(data, name="photo.jpg", content_type="image/jpeg"))
    assert (err.code, str(err.message)) == ("not_an_image", NOT_AN_IMAGE)


def test_heic_is_refused_with_a_request_for_a_jpeg():
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 200
    err = reject(upload(heic, name="IMG_0001.HEIC", content_type="image/heic"))
    assert (err.code, str(err.message)) == ("heic", HEIC)


def test_an_oversized_upload_is_refused_after_reading_one_byte_past_the_limit():
    endless = CountingFile()  # no size, no end: only a bounded read can finish
    err = reject(endless)
    assert (err.code, str(err.message)) == ("too_big", "This photo is larger than 10 MB: please send a smaller one.")
    assert endless.bytes_read == 10 * 1024 * 1024 + 1


def test_a_lying_size_does_not_let_a_big_upload_through():
    liar = CountingFile(length=5 * 1024 * 1024, size=1000)
    err = reject(liar, max_bytes=1024 * 1024)
    assert (err.code, str(err.message)) == ("too_big", "This photo is larger than 1 MB: please send a smaller one.")
    assert liar.bytes_read == 1024 * 1024 + 1


def test_a_declared_size_over_the_limit_is_refused_before_reading():
    declared = CountingFile(length=20 * 1024 * 1024, size=20 * 1024 * 1024)
    assert reject(declared).code == "too_big"
    assert declared.bytes_read == 0


def test_the_byte_limit_is_inclusive():
    data = encode(Image.effect_noise((64, 64), 60).convert("RGB"), "PNG")
    assert clean_image(upload(data), max_bytes=len(data)).content_type == "image/png"
    assert reject(upload(data), max_bytes=len(data) - 1).code == "too_big"


def test_a_decompression_bomb_is_refused():
    bomb = png_declaring(30_000, 30_000)  # 900 megapixels declared, a few kilobytes sent
    assert len(bomb) < 8 * 1024
    err = reject(upload(bomb, name="bomb.png"))
    assert (err.code, str(err.message)) == ("too_many_pixels", "This image is too large to process (900 megapixels).")


def test_too_many_pixels_is_refused_from_the_header_before_decoding(monkeypatch):
    from PIL import ImageFile

    decoded, real_load = [], ImageFile.ImageFile.load

    def counting_load(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    # 48 MP is under Pillow's own limit (about 89 MP), so only our check refuses it.
    err = reject(upload(png_declaring(8000, 6000), name="wide.png"))
    assert (err.code, str(err.message)) == ("too_many_pixels", "This image is too large to process (48 megapixels).")
    assert decoded == []

    clean_image(upload(png_declaring(300, 100)))  # the spy does see a decode when there is one
    assert set(decoded) == {(300, 100)}


def test_a_limit_above_pillows_own_is_capped_by_it():
    # 100 MP is over Pillow's MAX_IMAGE_PIXELS (about 89 MP): Pillow only warns, and our check refuses it.
    with pytest.warns(Image.DecompressionBombWarning):
        err = reject(upload(png_declaring(10_000, 10_000)), max_pixels=500_000_000)
    assert (err.code, str(err.message)) == ("too_many_pixels", "This image is too large to process (100 megapixels).")


def test_the_pixel_limit_can_be_lowered():
    data = encode(Image.new("1", (3000, 1000)), "PNG")
    err = reject(upload(data, name="scan.png"), max_pixels=2_000_000)
    assert str(err.message) == "This image is too large to process (3 megapixels)."
    assert clean_image(upload(data, name="scan.png"), max_pixels=3_000_000).width == 3000


def test_a_truncated_jpeg_is_refused():
    data = encode(Image.effect_noise((200, 200), 80).convert("RGB"), "JPEG")
    err = reject(upload(data[: len(data) // 2]))
    assert (err.code, str(err.message)) == ("corrupt", CORRUPT)


def test_a_png_with_a_broken_checksum_is_refused():
    data = bytearray(encode(halves((32, 32)), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # flip a compressed byte: the chunk's CRC no longer matches
    assert reject(upload(bytes(data), name="broken.png")).code in {"corrupt", "not_an_image"}


# -- messages ---------------------------------------------------------------------------------------

def test_messages_are_lazy_translations_chosen_when_shown():
    errors = [reject(upload(b"plain text")), reject(upload(png_declaring(30_000, 30_000))), reject(CountingFile())]
    for err in errors:
        assert isinstance(err.message, Promise)
    with translation.override("en"):
        assert [str(err.message) for err in errors] == [
            NOT_AN_IMAGE,
            "This image is too large to process (900 megapixels).",
            "This photo is larger than 10 MB: please send a smaller one.",
        ]
    assert str(errors[0]) == NOT_AN_IMAGE


# -- storage ------------------------------------------------------------------------------------------

@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def test_store_image_is_content_addressed_and_idempotent(media_root, tmp_path):
    data = encode(halves((16, 16)), "JPEG")
    clean = clean_image(named(data, "../../../etc/cron.d/evil.jpg"))
    again = clean_image(upload(data, name="the same photo, sent again.jpg"))
    assert again.sha256 == clean.sha256  # cleaning is deterministic

    first = store_image(clean, folder="returns/photos")
    second = store_image(again, folder="returns/photos")

    assert first == second == f"returns/photos/{clean.sha256[:2]}/{clean.sha256}.jpg"
    assert (media_root / first).read_bytes() == clean.content
    assert files_under(tmp_path) == [f"media/{first}"]  # nothing written outside MEDIA_ROOT


def test_different_photos_get_different_names(media_root):
    red = clean_image(upload(encode(Image.new("RGB", (8, 8), "red"), "PNG")))
    blue = clean_image(upload(encode(Image.new("RGB", (8, 8), "blue"), "PNG")))
    names = {store_image(red, folder="returns/photos"), store_image(blue, folder="returns/photos")}
    assert len(names) == 2
    assert files_under(media_root) == sorted(names)


def test_a_concurrent_duplicate_leaves_one_file(media_root, monkeypatch):
    from django.core.files.storage import default_storage

    clean = clean_image(upload(encode(halves((8, 8)), "PNG")))
    name = store_image(clean, folder="tickets/attachments")
    storage_class, real_exists, asked = type(default_storage._wrapped), type(default_storage._wrapped).exists, []

    def exists_after_the_check(self, name):
        # store_image's own check runs before the other request's file lands; the storage's later checks see it.
        asked.append(name)
        return len(asked) > 1 and real_exists(self, name)

    monkeypatch.setattr(storage_class, "exists", exists_after_the_check)

    assert store_image(clean, folder="tickets/attachments") == name
    assert len(asked) > 1  # the storage did find the file and saved under another name, which was removed
    assert files_under(media_root) == [name]


@pytest.mark.parametrize("folder", ["../outside", "/etc", "returns/../..", "Returns", "", "returns/", "a//b"])
def test_store_image_refuses_a_folder_that_could_escape(media_root, folder):
    clean = clean_image(upload(encode(Image.new("RGB", (4, 4)), "PNG")))
    with pytest.raises(ValueError, match="invalid upload folder"):
        store_image(clean, folder=folder)
    assert files_under(media_root.parent) == []
