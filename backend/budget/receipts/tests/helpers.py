"""Receipts drawn with Pillow for the tests and the benchmark (bench/run_receipts_bench.py):
English and German, several fonts and sizes, a slight rotation and noise, totals labelled
in several ways, and the truth each was drawn from."""

import datetime as dt
import io
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansCondensed.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
)
MERCHANTS = {
    "en": ["CORNER GROCERY", "Blue Bottle Cafe", "CITY PHARMACY", "Green Market", "BOOK NOOK"],
    "de": ["EDEKA Müller", "Bäckerei Schmidt", "DROGERIE KOCH", "Rewe Markt", "Apotheke am Markt"],
}
ITEMS = {
    "en": ["Milk", "Bread", "Coffee", "Apples", "Cheese", "Soap", "Tea", "Pasta", "Eggs"],
    "de": ["Milch", "Brot", "Kaffee", "Äpfel", "Käse", "Seife", "Tee", "Nudeln", "Eier"],
}
TOTAL_LABELS = {
    "en": ["TOTAL", "Total", "Amount due", "GRAND TOTAL", "Total EUR", "TOTAL DUE"],
    "de": ["SUMME", "Summe EUR", "Gesamt", "GESAMTBETRAG", "Zu zahlen", "Endbetrag"],
}
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]  # fmt: skip
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember"]  # fmt: skip


@dataclass(frozen=True)
class DrawnReceipt:
    png: bytes
    total: Decimal
    date: dt.date
    merchant: str
    language: str


def fonts() -> list[Path]:
    found = [d / name for d in FONT_DIRS for name in FONT_FILES if (d / name).exists()]
    if not found:
        raise RuntimeError("No TrueType fonts (fonts-dejavu, fonts-liberation) on this machine.")
    return found


def _money(value: Decimal, language: str) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if language == "de" else text


def _date_text(day: dt.date, language: str, rng: random.Random) -> str:
    if language == "de":
        return rng.choice(
            [
                day.strftime("%d.%m.%Y"),
                day.strftime("%d.%m.%y"),
                f"{day.day}. {MONTHS_DE[day.month - 1]} {day.year}",
                day.isoformat(),
            ]
        )
    return rng.choice(
        [
            day.strftime("%d/%m/%Y") if day.day > 12 else day.isoformat(),
            f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}",
            f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}",
            f"{MONTHS_EN[day.month - 1][:3]} {day.day} {day.year}",
            day.isoformat(),
        ]
    )


def receipt_draw(seed: int) -> DrawnReceipt:
    """One receipt, the same for the same seed."""
    rng = random.Random(seed)
    language = rng.choice(["en", "de"])
    merchant = rng.choice(MERCHANTS[language])
    day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
    items = [
        (rng.choice(ITEMS[language]), Decimal(rng.randrange(49, 2999)) / 100)
        for _ in range(rng.randint(2, 6))
    ]
    total = sum((price for _, price in items), Decimal("0.00"))
    money = lambda value: _money(value, language)  # noqa: E731
    lines = [
        merchant,
        rng.choice(["Hauptstr. 12, 10115 Berlin", "Tel. 030 1234567"])
        if language == "de"
        else rng.choice(["12 High Street, London", "Tel 020 7946 0000"]),
        ("Datum: " if language == "de" else "Date: ") + _date_text(day, language, rng),
        "",
    ]
    lines += [f"{name:<14}{money(price):>9}" for name, price in items]
    lines.append("-" * 23)
    if rng.random() < 0.5:
        label = "Zwischensumme" if language == "de" else "Subtotal"
        lines.append(f"{label:<14}{money(total):>9}")
    tax = (total * Decimal("0.19") / Decimal("1.19")).quantize(Decimal("0.01"))
    lines.append(f"{'MwSt 19%' if language == 'de' else 'VAT 19%':<14}{money(tax):>9}")
    label = rng.choice(TOTAL_LABELS[language])
    lines.append(f"{label:<14}{money(total):>9}")
    if rng.random() < 0.5:  # cash handed over and change: larger amounts than the total
        given = (total / 10).to_integral_value() * 10 + 10
        lines.append(f"{'Bar' if language == 'de' else 'Cash':<14}{money(given):>9}")
        lines.append(f"{'Rückgeld' if language == 'de' else 'Change':<14}{money(given - total):>9}")
    lines += ["", "Vielen Dank!" if language == "de" else "Thank you!"]

    font = ImageFont.truetype(str(rng.choice(fonts())), rng.randint(20, 30))
    line_height = int(font.size * 1.45)
    width = int(max(font.getlength(line) for line in lines)) + 80
    image = Image.new("L", (width, line_height * len(lines) + 80), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((40, 40 + index * line_height), line, font=font, fill=rng.randint(0, 60))
    image = image.rotate(rng.uniform(-2, 2), expand=True, fillcolor=255)
    noise = Image.effect_noise(image.size, rng.uniform(10, 30))
    image = Image.blend(image, noise, 0.12).filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.6)))
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return DrawnReceipt(out.getvalue(), total, day, merchant, language)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF names a camera and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 31.0, 12.0)  # GPSLatitudeRef, GPSLatitude
    return image_bytes("JPEG", exif=exif.tobytes())


def huge_png() -> bytes:
    """A 20 000 x 20 000 PNG (400 million pixels) of a few hundred kilobytes."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(out, "PNG")
    return out.getvalue()


def zip_named_png() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"0" * 1_000_000)
    return out.getvalue()


def pdf_bytes(pages: int = 1, size: tuple[float, float] = (200, 300)) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(*size)
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


def attachments_path(ledger, tx_id, attachment_id=None) -> str:
    path = f"/ledgers/{ledger.pk}/transactions/{tx_id}/attachments"
    return f"{path}/{attachment_id}" if attachment_id else path


def receipts_path(ledger, receipt_id=None, action: str = "") -> str:
    path = f"/ledgers/{ledger.pk}/receipts"
    if receipt_id:
        path += f"/{receipt_id}"
    return path + (f"/{action}" if action else "")


def upload(api, path: str, content: bytes, name: str = "receipt.png"):
    """POSTs `content` as the multipart `file`."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {"file": SimpleUploadedFile(name, content, content_type="image/png")}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"} if api.token else {}
    return api.client.post(api.prefix + path, body, **headers)
