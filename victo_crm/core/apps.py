from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "victo_crm.core"
    label = "core"
    verbose_name = _("Fondations")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from . import error_reports, postgres
        from .request_id import connect_signals
        from .uploads import MAX_PIXELS

        connect_signals()
        postgres.connect_signals()
        # Off without a DSN; here so that the web and the worker both report.
        error_reports.init(
            settings.SENTRY_DSN,
            environment=settings.SENTRY_ENVIRONMENT,
            release=settings.SENTRY_RELEASE,
        )

        # Any decode (a citizen's photo, an image in the CMS) beyond twice this many pixels
        # fails before it allocates: a small file cannot ask for gigabytes of memory.
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
