"""Settings of the reference app: what ``startproject`` writes, with DEBUG off and DRF's
token authentication (see the package docstring)."""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "drf-reference-not-secret-" + "x" * 40)
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "America/Toronto"
ROOT_URLCONF = "bench.drf_reference.urls"
WSGI_APPLICATION = "bench.drf_reference.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "bench.drf_reference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

_url = os.environ.get(
    "DRF_REFERENCE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/victo_drf_reference"
)
_rest = _url.split("://", 1)[1]
_credentials, _, _location = _rest.rpartition("@")
_hostport, _, _name = _location.partition("/")
_host, _, _port = _hostport.partition(":")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _name,
        "USER": _credentials.split(":")[0] or "postgres",
        "HOST": _host,
        "PORT": _port or "5432",
        "CONN_MAX_AGE": 600,
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
