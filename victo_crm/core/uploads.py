"""Uploaded images: checked by their content, never by their name.

Pillow must recognise and fully decode the file as JPEG, PNG or WebP within the size and
pixel limits; a public copy is re-encoded without EXIF (which may carry the GPS position of
the citizen's home) after applying the orientation it recorded.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; beyond that it is a decompression bomb


@dataclass
class CheckedImage:
    original: ContentFile
    public: ContentFile
    original_name: str
    content_type: str
    size: int
    width: int
    height: int
    sha256: str


def _read(upload: object) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read() if hasattr(upload, "read") else bytes(upload)  # type: ignore[call-overload]
    return data


def check_image(upload: object, *, name: str | None = None) -> CheckedImage:
    name = name or getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None)
    limit = settings.VICTO_MAX_ATTACHMENT_BYTES
    if size is not None and size > limit:
        raise ValidationError(_too_big(name, limit), code="file_too_large")
    data = _read(upload)
    if len(data) > limit:
        raise ValidationError(_too_big(name, limit), code="file_too_large")
    if not data:
        raise ValidationError(_("Le fichier « %(name)s » est vide.") % {"name": name}, code="empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("L’image « %(name)s » est trop grande (en pixels).") % {"name": name},
                    code="too_many_pixels",
                )
            probe.verify()
        if image_format not in ALLOWED_FORMATS:
            raise UnidentifiedImageError(image_format)
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # a full decode: truncated or forged files fail here
            public = _strip_metadata(image, image_format or "JPEG")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("Le fichier « %(name)s » n’est pas une image JPEG, PNG ou WebP valide.")
            % {"name": name},
            code="invalid_image",
        ) from None
    content_type = ALLOWED_FORMATS[image_format]
    return CheckedImage(
        original=ContentFile(data),
        public=ContentFile(public),
        original_name=str(name)[:255],
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _strip_metadata(image: Image.Image, image_format: str) -> bytes:
    upright = ImageOps.exif_transpose(image) or image
    if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA")
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {}
    clean.save(out, format=image_format, **options)
    return out.getvalue()


def _too_big(name: str, limit: int) -> str:
    return _("Le fichier « %(name)s » dépasse la taille permise (%(size)s Mo).") % {
        "name": name,
        "size": limit // (1024 * 1024),
    }
