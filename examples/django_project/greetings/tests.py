"""The example app's own tests: `manage.py test` runs them before any build (the system checks
only warn that there is no release yet)."""

from __future__ import annotations

from django.test import TestCase

from greetings.models import Greeting


class GreetingTests(TestCase):
    def test_a_greeting_is_stored(self) -> None:
        Greeting.objects.create(text="Hello")
        self.assertEqual(Greeting.objects.get().text, "Hello")

    def test_the_api_answers_json(self) -> None:
        response = self.client.get("/api/greeting/?format=json")
        self.assertEqual(response.json(), {"greeting": "Hello from the API"})
