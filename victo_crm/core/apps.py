from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "victo_crm.core"
    label = "core"
    verbose_name = _("Fondations")

    def ready(self) -> None:
        from PIL import Image

        from .uploads import MAX_PIXELS

        # Any decode (a citizen's photo, an image in the CMS) beyond twice this many pixels
        # fails before it allocates: a small file cannot ask for gigabytes of memory.
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
