"""Tesseract over a receipt's pages: PDFs rendered with pdfium, images cleaned up with
Pillow first (grey, contrast, a threshold, a small deskew), each page within a time limit.

Everything here is bounded: at most RECEIPT_MAX_PAGES pages are rendered, each page is
read within RECEIPT_OCR_TIMEOUT_SECONDS (Tesseract is killed past it), and pictures are
scaled to a width Tesseract reads well, never more."""

import math
import shutil
from collections.abc import Iterator

import pypdfium2 as pdfium
from django.conf import settings
from PIL import Image, ImageFilter, ImageOps

from budget.receipts.files import image_open
from budget.receipts.models import ContentType

# Receipt text at these widths is 20-35 px high, what Tesseract reads well and fast.
TARGET_WIDTH = 1200
MAX_WIDTH = 2000
# The most pixels a page is read at (a long receipt of 1 200 x 10 000).
OCR_MAX_PIXELS = 12_000_000
DESKEW_ANGLES = (-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3)


class OcrUnavailable(Exception):
    """Tesseract is not installed (or not where TESSERACT_CMD says)."""


class OcrFailed(Exception):
    """The file could not be read; the message says why, for the user."""


def tesseract_path() -> str | None:
    return shutil.which(settings.TESSERACT_CMD)


def _ink_profile_score(image: Image.Image) -> float:
    """How sharply the dark rows stand out from the light ones: text lines that run
    level give rows that are nearly all ink next to rows that are nearly all paper."""
    height = image.height
    rows = image.resize((1, height), Image.Resampling.BOX).tobytes()  # one byte a row
    mean = sum(rows) / height
    return sum((value - mean) ** 2 for value in rows)


def deskew(grey: Image.Image) -> Image.Image:
    """The picture turned by the small angle (±3°) that levels its text lines best,
    judged on a small inverted copy, so it costs a few milliseconds."""
    small = ImageOps.invert(grey.resize((max(1, grey.width // 4), max(1, grey.height // 4))))
    best_angle, best_score = 0.0, _ink_profile_score(small)
    for angle in DESKEW_ANGLES:
        score = _ink_profile_score(small.rotate(angle, expand=False, fillcolor=0))
        if score > best_score * 1.02:
            best_angle, best_score = angle, score
    if not best_angle:
        return grey
    return grey.rotate(best_angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def preprocess(image: Image.Image) -> Image.Image:
    """Grey, scaled to a width Tesseract reads well, contrast stretched, denoised,
    levelled and thresholded."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "P"):
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image.convert("RGBA"))
    grey = image.convert("L")
    if grey.width < TARGET_WIDTH or grey.width > MAX_WIDTH:
        # Never beyond OCR_MAX_PIXELS: a narrow strip scaled to the width would be huge.
        scale = min(
            TARGET_WIDTH / grey.width, math.sqrt(OCR_MAX_PIXELS / (grey.width * grey.height))
        )
        grey = grey.resize(
            (max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
            Image.Resampling.LANCZOS,
        )
    grey = ImageOps.autocontrast(grey, cutoff=1)
    grey = grey.filter(ImageFilter.MedianFilter(3))
    grey = deskew(grey)
    return grey.point(lambda value: 255 if value > 150 else 0)


def pages_of(content: bytes, content_type: str) -> Iterator[Image.Image]:
    """The file's pages as pictures, at most RECEIPT_MAX_PAGES."""
    if content_type != ContentType.PDF:
        yield image_open(content)
        return
    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as error:
        raise OcrFailed("The PDF could not be read.") from error
    try:
        for index in range(min(len(document), settings.RECEIPT_MAX_PAGES)):
            page = document[index]
            width, height = max(page.get_width(), 1), max(page.get_height(), 1)
            # A receipt page rendered at the width Tesseract likes, at most 300 dpi, and
            # never to more pixels than an uploaded image may have (a 1 pt x 14 400 pt page).
            scale = min(
                TARGET_WIDTH / width,
                300 / 72,
                math.sqrt(settings.ATTACHMENT_MAX_PIXELS / (width * height)),
            )
            yield page.render(scale=scale, grayscale=True).to_pil()
            page.close()
    finally:
        document.close()


def text_read(content: bytes, content_type: str) -> str:
    """The text of the file's pages, one after the other."""
    # Imported here, in the worker that reads: pytesseract imports pandas and numpy when
    # they are installed (`make run`'s environment has them for the dashboard), about 75 MB
    # and a quarter of a second in every API process that never reads a receipt.
    import pytesseract

    command = tesseract_path()
    if command is None:
        raise OcrUnavailable()
    pytesseract.pytesseract.tesseract_cmd = command
    texts = []
    for page in pages_of(content, content_type):
        try:
            texts.append(
                pytesseract.image_to_string(
                    preprocess(page),
                    lang=settings.RECEIPT_OCR_LANGUAGES,
                    # One column of lines; no second pass over inverted text (white
                    # on black), which receipts do not have and which costs a third.
                    config="--psm 4 -c tessedit_do_invert=0",
                    timeout=settings.RECEIPT_OCR_TIMEOUT_SECONDS,
                )
            )
        except RuntimeError as error:  # pytesseract's timeout
            raise OcrFailed(
                f"Reading a page took longer than {settings.RECEIPT_OCR_TIMEOUT_SECONDS} s."
            ) from error
        except pytesseract.TesseractError as error:
            raise OcrFailed(f"Tesseract could not read the file: {error.message}") from error
    return "\n".join(texts)
