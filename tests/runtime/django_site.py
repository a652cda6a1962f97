"""A Django site in one module, for the Django tests: settings, two templates, views and URLs.

The same page is rendered by Django's template engine (``/``) and by Jinja2 (``/jinja``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from tests.runtime import GOLDEN

DJANGO_PAGE = """{% load assetbuild %}<head>
{% asset_tag "css/app.css" %}
{% asset_tag "js/app.js" defer=True %}
{% asset_preload "fonts/inter.woff2" %}
</head><img src="{% asset_url "img/hero banner.jpg" %}" data-sri="{% asset_integrity "img/logo.png" %}">
"""

JINJA_PAGE = """<head>
{{ asset_tag("css/app.css") }}
{{ asset_tag("js/app.js", defer=True) }}
{{ asset_preload("fonts/inter.woff2") }}
</head><img src="{{ asset_url("img/hero banner.jpg") }}" data-sri="{{ asset_integrity("img/logo.png") }}">
"""

TYPO_PAGE = """{% load assetbuild %}{% asset_url "css/ap.css" %}"""


def _templates() -> dict[str, str]:
    return {"page.html": DJANGO_PAGE, "typo.html": TYPO_PAGE}


SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "SECRET_KEY": "tests-only",
    "ALLOWED_HOSTS": ["testserver"],
    "INSTALLED_APPS": ["assetbuild.runtime.django"],
    "MIDDLEWARE": [],
    "ROOT_URLCONF": "tests.runtime.django_site",
    "USE_TZ": True,
    "ASSETBUILD_MANIFEST": str(GOLDEN),
    "TEMPLATES": [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [("django.template.loaders.locmem.Loader", _templates())],
            },
        },
        {
            "BACKEND": "django.template.backends.jinja2.Jinja2",
            "OPTIONS": {
                "environment": "assetbuild.runtime.django.jinja2.environment",
            },
        },
    ],
}


def django_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["django"].get_template("page.html").render({}, request))


def jinja_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["jinja2"].from_string(JINJA_PAGE).render({}, request))


def typo_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["django"].get_template("typo.html").render({}, request))


urlpatterns = [
    path("", django_page),
    path("jinja", jinja_page),
    path("typo", typo_page),
]
