"""Upload safety for customer photos: check, clean and store an image (DESIGN section 5, "Uploads").

Return photos use it now and ticket attachments later. ``clean_image`` turns an untrusted upload into a
``CleanImage``, or raises ``UploadRejected(code, message)``. The message is a lazy, translated sentence a
customer can read; a form can show it as ``ValidationError(err.message, code=err.code)``.
``store_image`` saves a clean image through Django's default storage (MEDIA_ROOT, outside the web root).
Those files are served only by access-checked views.

Decisions:

* **The type comes from the content.** The upload's name and the browser's content type are ignored. Pillow
  may try only the JPEG, PNG and WebP decoders (``Image.open(formats=…)``), so no other parser ever sees
  the bytes. A JPEG with extra pictures inside (MPO, which many phones make) counts as a JPEG.
* **HEIC is refused.** Pillow has no HEIF decoder without a plugin (pillow-heif, which needs libheif).
  HEIC is recognised from its ``ftyp`` box so the customer is asked for a JPEG.
* **Size is checked by reading.** A declared ``.size`` above the limit is refused before anything is read.
  Otherwise at most ``max_bytes + 1`` bytes are read, because the declared size may be wrong.
* **Pixels are checked before decoding.** Opening reads only the header. ``width * height`` is then
  compared with ``max_pixels``, which is capped at Pillow's own ``MAX_IMAGE_PIXELS``. So Pillow's
  ``DecompressionBombWarning`` can only fire for an image this check refuses anyway. A larger header makes
  Pillow raise ``DecompressionBombError`` inside ``open``, and that is refused the same way. Nothing
  changes Pillow's process-wide limit or the process-wide warning filters.
* **Everything is re-encoded.** Only the first frame is decoded and the EXIF orientation is applied. An
  embedded colour profile is converted to sRGB, then all metadata (EXIF with GPS, XMP, ICC, text chunks)
  is dropped and a new file is written. The output keeps the input's family: JPEG stays JPEG (quality 85,
  CMYK converted to RGB), PNG stays PNG (optimised; a palette becomes RGB, or RGBA when transparent), and
  WebP stays WebP (quality 85, transparency kept).
* **Animations are cut to their first frame, not refused.** A customer who sends an animated WebP or PNG
  still sends a usable photo, and only the first frame is ever decoded.
* **The stored name comes from the content** (``<folder>/<sha256[:2]>/<sha256>.<ext>``). The same photo
  sent twice is stored once, and nothing the customer chose is ever part of a path.
  ``original_name`` is kept only for display: it is the customer's name made safe, with the real
  extension.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.functional import lazy
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85
WEBP_QUALITY = 85
_READ_CHUNK = 64 * 1024

# Pillow format name -> (output format, content type, extension)
_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "MPO": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}
_DECODERS = ("JPEG", "PNG", "WEBP")  # MPO is reached through the JPEG opener
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_FOLDER = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*")

MSG_NOT_AN_IMAGE = _("This file is not a photo we can read: please send a JPEG, PNG or WebP image.")
MSG_HEIC = _("This photo is in HEIC format, which we cannot read yet: please send it as a JPEG.")
MSG_TOO_BIG = _("This photo is larger than %(megabytes)s MB: please send a smaller one.")
MSG_TOO_MANY_PIXELS = _("This image is too large to process (%(pixels)s megapixels).")
MSG_CORRUPT = _("This photo is damaged or incomplete: please send it again.")


class UploadRejected(Exception):
    """An upload we refuse. ``code`` is for programs and tests; ``message`` is lazy text for the customer."""

    def __init__(self, code: str, message):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    original_name: str


def _interpolate(message, params: dict):
    """``message % params``, still lazy: the language is chosen when the text is shown, not now."""
    return lazy(lambda: str(message) % params, str)()


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _reject_pixels(pixels: int):
    return UploadRejected("too_many_pixels", _interpolate(MSG_TOO_MANY_PIXELS, {"pixels": _number(pixels / 1e6)}))


def _read_bounded(uploaded_file, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes, so a larger upload is detected without reading all of it."""
    declared = getattr(uploaded_file, "size", None)
    too_big = UploadRejected("too_big", _interpolate(MSG_TOO_BIG, {"megabytes": _number(max_bytes / 1024 / 1024)}))
    if isinstance(declared, int) and declared > max_bytes:
        raise too_big
    if hasattr(uploaded_file, "seek"):
        with contextlib.suppress(OSError, ValueError):  # a stream that cannot rewind is read from where it is
            uploaded_file.seek(0)
    parts, remaining = [], max_bytes + 1
    while remaining > 0:
        part = uploaded_file.read(min(_READ_CHUNK, remaining))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    data = b"".join(parts)
    if len(data) > max_bytes:
        raise too_big
    return data


def _is_heif(head: bytes) -> bool:
    if head[4:8] != b"ftyp":
        return False
    major, compatible = head[8:12], {head[i:i + 4] for i in range(16, min(len(head), 64), 4)}
    if major in (b"avif", b"avis") or (major == b"mif1" and b"avif" in compatible):
        return False
    return major in _HEIF_BRANDS


def _safe_name(name: str | None, extension: str) -> str:
    """The customer's file name made safe for display and downloads, with the real extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem = unicodedata.normalize("NFKC", PurePosixPath(base).stem)
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C").strip(" .")
    try:
        stem = get_valid_filename(stem)[:80].strip("._-")
    except SuspiciousFileOperation:  # Django refuses names such as "" or ".."
        stem = ""
    return f"{stem or 'photo'}.{extension}"


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded colour profile so the colours survive when the profile is dropped."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: the plain conversion below is close enough


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _normalise(image: Image.Image, output_format: str) -> Image.Image:
    image = _to_srgb(image)
    if output_format == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if _has_alpha(image):
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if output_format == "PNG" and image.mode in ("1", "L"):
        return image.convert("L")
    return image if image.mode == "RGB" else image.convert("RGB")


def clean_image(uploaded_file, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Check an uploaded photo from its content and return it re-encoded without metadata.

    Raises ``UploadRejected`` with code ``too_big``, ``not_an_image``, ``heic``, ``too_many_pixels`` or
    ``corrupt``.
    """
    data = _read_bounded(uploaded_file, max_bytes)
    if _is_heif(data[:64]):
        raise UploadRejected("heic", MSG_HEIC)
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    try:
        image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _reject_pixels(int(found.group(1)) if found else 2 * limit) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadRejected("not_an_image", MSG_NOT_AN_IMAGE) from exc
    output_format, content_type, extension = _OUTPUT[image.format]
    width, height = image.size
    if width * height > limit:
        raise _reject_pixels(width * height)
    try:
        image.seek(0)  # first frame only (see the module docstring)
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _normalise(image, output_format)
        image.info = {}  # EXIF (GPS…), XMP, ICC, text chunks: nothing is carried over
        out = io.BytesIO()
        if output_format == "JPEG":
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        elif output_format == "PNG":
            image.save(out, "PNG", optimize=True)
        else:
            image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    except Image.DecompressionBombError as exc:
        raise _reject_pixels(width * height) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise UploadRejected("corrupt", MSG_CORRUPT) from exc
    content = out.getvalue()
    return CleanImage(
        content=content,
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=_safe_name(getattr(uploaded_file, "name", None), extension),
    )


def store_image(clean: CleanImage, *, folder: str) -> str:
    """Save through the default storage under ``folder/<sha256[:2]>/<sha256>.<ext>``; return the name.

    Storing the same image twice writes it once and returns the same name. ``folder`` is chosen by our
    code, not by a customer: lower-case segments such as ``returns/photos``.
    """
    if not _FOLDER.fullmatch(folder):
        raise ValueError(f"invalid upload folder {folder!r}: use lower-case segments such as 'returns/photos'")
    if not re.fullmatch(r"[0-9a-f]{64}", clean.sha256) or clean.extension not in ("jpg", "png", "webp"):
        raise ValueError("store_image takes a CleanImage made by clean_image")
    name = f"{folder}/{clean.sha256[:2]}/{clean.sha256}.{clean.extension}"
    if default_storage.exists(name):
        return name
    saved = default_storage.save(name, ContentFile(clean.content))
    if saved != name:  # a concurrent request stored the same bytes first: keep that one
        default_storage.delete(saved)
    return name
