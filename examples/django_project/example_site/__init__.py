"""The example Django project: settings, URLs, the one view, and the WSGI application."""

from __future__ import annotations
