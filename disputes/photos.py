"""Evidence photos: at most MAX_PHOTOS per party, checked by content and re-encoded without metadata
(EXIF, GPS) by servizo.images, with a thumbnail. Served by disputes.views to the parties and staff."""

from collections.abc import Iterable

from servizo.images import THUMB_SIDE as THUMB_MAX_SIDE
from servizo.images import PreparedImage as PreparedPhoto
from servizo.images import image_prepare as photo_prepare
from servizo.images import images_prepare

MAX_PHOTOS = 5

__all__ = ["MAX_PHOTOS", "THUMB_MAX_SIDE", "PreparedPhoto", "photo_prepare", "photos_prepare"]


def photos_prepare(uploads: Iterable) -> list[PreparedPhoto]:
    """All of a party's uploads, or a ValidationError listing every problem."""
    return images_prepare(uploads, max_count=MAX_PHOTOS)
