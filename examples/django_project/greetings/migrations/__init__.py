"""The greetings app's migrations."""

from __future__ import annotations
