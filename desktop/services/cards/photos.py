"""Student photos for the printed card: checked against the limits, stored upright, cropped
to the card's 3:4 box, as JPEG."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from sqlalchemy import select

from desktop.db.models import StudentPhoto
from desktop.domain.cards.photos import check_photo
from desktop.domain.errors import ValidationError
from desktop.domain.roles import Permission
from desktop.i18n import N_  # reasons are shown translated by the UI
from desktop.services.cards.lookups import find_student
from desktop.services.cards.part import CardPart

PHOTO_RATIO = (3, 4)  # width : height of the photo box on the card

PHOTO_STORED_SIZE = (480, 640)  # ~600 dpi on the card; card printers print 300


@dataclass(frozen=True)
class PhotoInfo:
    student_id: int
    mime: str
    width: int
    height: int
    size: int
    version: int


class Photos(CardPart):
    """Import and read a student's photo."""

    def import_photo(self, student_id: int, data: bytes) -> PhotoInfo:
        """A JPEG or PNG for the printed card, within the size and dimension limits."""
        mime, width, height, data = _checked_photo(data)
        with self.write(Permission.MANAGE_CARDS) as session:
            student = find_student(session, student_id)
            row = session.scalar(select(StudentPhoto).where(StudentPhoto.student_id == student.id))
            if row is None:
                row = StudentPhoto(student_id=student.id)
                session.add(row)
            row.image, row.mime, row.width, row.height = data, mime, width, height
            session.flush()
            return PhotoInfo(student.id, mime, width, height, len(data), row.version)

    def photo(self, student_id: int) -> bytes | None:
        with self.read(Permission.MANAGE_CARDS) as session:
            return session.scalar(
                select(StudentPhoto.image).where(StudentPhoto.student_id == student_id)
            )


def _checked_photo(data: bytes) -> tuple[str, int, int, bytes]:
    """Check a picture against the limits, then store it the way cards need it: upright
    (EXIF orientation of phone pictures), cropped to the card's 3:4 box, at most
    PHOTO_STORED_SIZE, as JPEG. Small to keep, and printed without decoding."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(BytesIO(data))
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # stored sideways
            width, height = height, width
        # The limits are checked before decoding, so a huge picture never fills the memory.
        check_photo(image.format, len(data), width, height)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "photo", f"{len(data)} bytes", N_("not a readable JPEG or PNG picture")
        ) from None
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":  # transparency onto white, as it would print
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.convert("RGBA").getchannel("A"))
        image = background
    ratio_w, ratio_h = PHOTO_RATIO
    crop_w, crop_h = (
        min(width, height * ratio_w // ratio_h),
        min(height, width * ratio_h // ratio_w),
    )
    scale = min(1.0, PHOTO_STORED_SIZE[0] / crop_w)
    size = (round(crop_w * scale), round(crop_h * scale))
    # Centred a little above the middle: a passport-style picture keeps the head.
    image = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return "image/jpeg", image.width, image.height, out.getvalue()
