"""Student photos for printed cards [EE]: the formats, the file size and the dimensions."""

from __future__ import annotations

from desktop.domain.errors import ValidationError
from desktop.i18n import N_  # refusals are shown translated by the UI

PHOTO_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MIN_SIZE = (300, 400)  # width, height in pixels: ~300 dpi on the card's photo box
PHOTO_MAX_SIZE = (4000, 4000)


def check_photo(image_format: str | None, size_bytes: int, width: int, height: int) -> str:
    """The photo's MIME type if it may go on a card; a ValidationError naming the limit if not."""
    if image_format not in PHOTO_MIME:
        raise ValidationError(
            "photo", image_format or "unknown format", N_("use a JPEG or PNG picture")
        )
    if size_bytes > PHOTO_MAX_BYTES:
        raise ValidationError(
            "photo",
            f"{size_bytes / 1024 / 1024:.1f} MB",
            N_("the file may be at most {size} MB", size=PHOTO_MAX_BYTES // 1024 // 1024),
        )
    min_w, min_h = PHOTO_MIN_SIZE
    max_w, max_h = PHOTO_MAX_SIZE
    if width < min_w or height < min_h:
        raise ValidationError(
            "photo",
            f"{width} × {height} px",
            N_("the picture must be at least {width} × {height} px", width=min_w, height=min_h),
        )
    if width > max_w or height > max_h:
        raise ValidationError(
            "photo",
            f"{width} × {height} px",
            N_("the picture may be at most {width} × {height} px", width=max_w, height=max_h),
        )
    return PHOTO_MIME[image_format]
