"""What an uploaded file is, decided by its bytes, and the copy of it that is stored.

The type comes from the magic bytes, never from the name or the browser's content type (a
zip named receipt.png is refused). Images are decoded only after their header shows a
size within ATTACHMENT_MAX_PIXELS (a 20 000 x 20 000 PNG of a few hundred kilobytes would
need 400 MB decoded), then re-encoded without their metadata: EXIF (GPS position, camera,
time), XMP and text chunks are left behind, the EXIF orientation is applied first so the
picture still stands upright. PDFs are stored as they are once pdfium can open them."""

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import pypdfium2 as pdfium
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from budget.common.errors import Invalid, PayloadTooLarge
from budget.receipts.models import ContentType

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
EXTENSIONS = {
    ContentType.JPEG: "jpg",
    ContentType.PNG: "png",
    ContentType.WEBP: "webp",
    ContentType.HEIC: "heic",
    ContentType.PDF: "pdf",
}
PIL_FORMATS = {"JPEG": ContentType.JPEG, "PNG": ContentType.PNG, "WEBP": ContentType.WEBP}
ACCEPTED = "JPEG, PNG, WebP, HEIC or PDF"


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    filename: str
    pages: int = 1  # a PDF's page count


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file show, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return ContentType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ContentType.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ContentType.WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return ContentType.HEIC
    if head.lstrip(b"\r\n\t ").startswith(b"%PDF-"):
        return ContentType.PDF
    return None


def _unreadable(what: str) -> Invalid:
    return Invalid(f"The file could not be read as {what}.", field="file", code="unreadable_file")


def _too_many_pixels(size: str) -> Invalid:
    return Invalid(
        f"The image is {size} pixels; at most {settings.ATTACHMENT_MAX_PIXELS:,} pixels "
        "are taken. Send a smaller picture.",
        field="file",
        code="image_too_large",
    )


def image_open(content: bytes) -> Image.Image:
    """The image, decoded, after its header showed a size within the pixel limit."""
    try:
        with warnings.catch_warnings():
            # Pillow's own guard (on at 89 million pixels) refuses what it reads
            # in the header too; ours is lower.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            width, height = image.size
            if width * height > settings.ATTACHMENT_MAX_PIXELS:
                raise _too_many_pixels(f"{width} x {height}")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels("too many") from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise _unreadable("an image") from error
    return image


def heic_readable() -> bool:
    """Whether a Pillow plugin (pillow-heif) reads HEIC here."""
    return ".heic" in Image.registered_extensions()


def _reencoded(image: Image.Image, content_type: str) -> tuple[bytes, str]:
    """The pixels alone, saved anew: no EXIF, XMP, comments or text chunks."""
    image = ImageOps.exif_transpose(image) or image
    out = io.BytesIO()
    if content_type == ContentType.PNG:
        image.save(out, "PNG", optimize=False)
        return out.getvalue(), ContentType.PNG
    if content_type == ContentType.WEBP:
        image.save(out, "WEBP", quality=90)
        return out.getvalue(), ContentType.WEBP
    # JPEG, and HEIC (when a Pillow plugin reads it) stored as JPEG for every browser.
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(out, "JPEG", quality=90)
    return out.getvalue(), ContentType.JPEG


def pdf_pages(content: bytes) -> int:
    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as error:
        raise _unreadable("a PDF") from error
    try:
        return len(document)
    finally:
        document.close()


def _filename(name: str | None, content_type: str) -> str:
    """The user's file name without folders, ending in what the content is."""
    stem = PurePath((name or "").replace("\\", "/")).stem.strip()[:200] or "receipt"
    stem = "".join(c for c in stem if c.isprintable() and c not in '"/\\')
    return f"{stem or 'receipt'}.{EXTENSIONS[content_type]}"


def upload_clean(upload: UploadedFile) -> CleanFile:
    """The file to store: 413 above ATTACHMENT_MAX_BYTES, 422 for anything but a readable
    JPEG, PNG, WebP, HEIC (when Pillow can read it) or PDF."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(
            f"The file is {upload.size} bytes; at most {limit / 1024 / 1024:g} MB are taken."
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit / 1024 / 1024:g} MB.")
    content_type = sniff(content[:32])
    if content_type is None:
        raise Invalid(
            f"This is not a file type that is taken: send {ACCEPTED}.",
            field="file",
            code="unsupported_file",
        )
    if content_type == ContentType.PDF:
        pages = pdf_pages(content)
        return CleanFile(content, content_type, _filename(upload.name, content_type), pages)
    if content_type == ContentType.HEIC and not heic_readable():
        raise Invalid(
            "HEIC pictures cannot be read on this server: send a JPEG (most phones can "
            "share one), PNG, WebP or PDF.",
            field="file",
            code="unsupported_file",
        )
    image = image_open(content)
    found = PIL_FORMATS.get(image.format or "")
    if content_type == ContentType.HEIC:
        found = ContentType.HEIC if image.format in ("HEIF", "HEIC", "AVIF") else None
    if found is None or (found != content_type):
        raise _unreadable("the image its first bytes announce")
    stored, stored_type = _reencoded(image, content_type)
    return CleanFile(stored, stored_type, _filename(upload.name, stored_type))
