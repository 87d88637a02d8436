from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from victo_crm.core import views as core_views

admin.site.site_header = _("Ville de Victoriaville — administration")
admin.site.site_title = _("victo_crm")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("portail/", include("victo_crm.portal.urls")),
    path("bureau/", include("victo_crm.desk.urls")),
    path("alertes/", include("victo_crm.alerts.urls")),
    path("", include("victo_crm.api.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
