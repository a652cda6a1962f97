"""The example's page, the admin, and a browsable API; /static/ is WhiteNoise's (see settings)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path
from greetings.api import GreetingView

from example_site import views

urlpatterns = [
    path("", views.index),
    path("admin/", admin.site.urls),
    path("api/greeting/", GreetingView.as_view()),
]
