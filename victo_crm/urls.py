from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts import views as account_views
from victo_crm.core import views as core_views
from victo_crm.core.metrics import metrics_view
from victo_crm.website import urls as website_urls

admin.site.site_header = _("Ville de Victoriaville — administration")
admin.site.site_title = _("victo_crm")
admin.site.index_title = _("Configuration")
# One sign-in for all staff, allauth's (rate-limited, with its two-factor step): the admin's
# own sign-in, sign-out and password forms send there.
admin.site.login = account_views.admin_sign_in  # type: ignore[method-assign]
admin.site.logout = account_views.to_account_page("account_logout")  # type: ignore[method-assign]
admin.site.password_change = account_views.to_account_page(  # type: ignore[method-assign]
    "account_change_password"
)

# An unreachable database answers 503 (a page, or a problem on the APIs), not 500.
handler500 = "victo_crm.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Enrolment in two-factor authentication: allauth's page, which also counts its code as
    # the session's second factor (accounts.views), then back where the person was going.
    path(
        "compte/2fa/totp/activate/",
        account_views.StaffActivateTOTPView.as_view(),
        name="mfa_activate_totp",
    ),
    path("compte/2fa/continuer/", account_views.two_factor_continue, name="two_factor_continue"),
    path("compte/", include("allauth.urls")),
    re_path(
        r"^_allauth/(?:app|browser)/v1/(?:account/phone|auth/phone/verify)(?:/.*)?$",
        core_views.allauth_not_offered,
    ),
    path("_allauth/", include("allauth.headless.urls")),
    path("portail/", include("victo_crm.portal.urls")),
    path("bureau/", include("victo_crm.desk.urls")),
    path("entrant/", include("victo_crm.inbound.urls")),
    path("alertes/", include("victo_crm.alerts.urls")),
    path("", include("victo_crm.api.urls")),
    # Wagtail: the CMS for web editors, documents, and the public website. The website's
    # patterns (robots.txt, sitemap.xml, search, then page serving) must stay LAST: page
    # serving is a catch-all. The Wagtail home page serves "/".
    path("cms/login/", account_views.cms_sign_in, name="wagtailadmin_login"),
    path(
        "cms/logout/", account_views.to_account_page("account_logout"), name="wagtailadmin_logout"
    ),
    path("cms/", include("wagtail.admin.urls")),
    path("documents/", include("wagtail.documents.urls")),
    *website_urls.urlpatterns,  # not include(): it holds a language-prefix resolver
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
