"""The admin for greetings, with a stylesheet of the app's own (``Media``, as apps have them)."""

from __future__ import annotations

from django.contrib import admin

from greetings.models import Greeting


@admin.register(Greeting)
class GreetingAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["greetings/css/admin.css"]}
