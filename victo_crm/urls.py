from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from victo_crm.core import views as core_views
from victo_crm.website import urls as website_urls

admin.site.site_header = _("Ville de Victoriaville — administration")
admin.site.site_title = _("victo_crm")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("portail/", include("victo_crm.portal.urls")),
    path("bureau/", include("victo_crm.desk.urls")),
    path("alertes/", include("victo_crm.alerts.urls")),
    path("", include("victo_crm.api.urls")),
    # Wagtail: the CMS for web editors, documents, and the public website. The website's
    # patterns (robots.txt, sitemap.xml, search, then page serving) must stay LAST: page
    # serving is a catch-all. The Wagtail home page serves "/".
    path("cms/", include("wagtail.admin.urls")),
    path("documents/", include("wagtail.documents.urls")),
    *website_urls.urlpatterns,  # not include(): it holds a language-prefix resolver
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
