"""A greeting, so the app has something for the admin and the tests to store."""

from __future__ import annotations

from django.db import models


class Greeting(models.Model):
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text
