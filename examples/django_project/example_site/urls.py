"""The example's one page; /static/ is WhiteNoise's (see settings)."""

from __future__ import annotations

from django.urls import path

from example_site import views

urlpatterns = [path("", views.index)]
