"""``manage.py runserver`` that serves the release: the URLs the storage returns, in development.

Django finds this command before ``django.contrib.staticfiles``' own when the assetbuild app is
listed above ``django.contrib.staticfiles`` in ``INSTALLED_APPS`` (as WhiteNoise's
``runserver_nostatic`` is); ``assetbuild.W002`` says so when it is not.

Owns: with ``ReleaseStorage`` as the ``staticfiles`` storage and ``DEBUG`` (or ``--insecure``),
answering requests under ``STATIC_URL`` from the release directory (the one holding the manifest
the storage reads: ``STATIC_ROOT``), read from disk on every request, so a rebuild by
``manage.py assetbuild watch`` shows on the next one; nothing whose path has a segment starting
with a dot is served. Without that storage, it is staticfiles' ``runserver`` unchanged (which
serves the sources through the finders).
Must not: serve the sources (their names are not the release's URLs), write, or build.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.contrib.staticfiles.management.commands.runserver import (
    Command as StaticfilesRunserver,
)
from django.core.handlers.wsgi import WSGIHandler
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.static import serve

from assetbuild.runtime.django._current import manifest_path
from assetbuild.runtime.django.storage import in_use


class ReleaseFilesHandler(StaticFilesHandler):
    """``StaticFilesHandler`` with the release directory in place of the finders."""

    def serve(self, request: HttpRequest) -> HttpResponse | FileResponse:
        path = self.file_path(request.path).replace(os.sep, "/")
        # Dot paths are never part of a release (bookkeeping, an editor's or a VCS's files).
        if any(segment.startswith(".") for segment in path.split("/")):
            raise Http404(f"{request.path}: not part of the release")
        manifest = manifest_path()
        if manifest is None:
            raise Http404("STATIC_ROOT is not set: there is no release to serve")
        # django.views.static.serve joins safely (no escape from the directory), answers
        # If-Modified-Since, and refuses directories.
        return serve(request, path, document_root=os.path.dirname(manifest))


class Command(StaticfilesRunserver):
    help = (
        "Starts a lightweight web server for development; with ReleaseStorage and DEBUG, it "
        "also serves the release (STATIC_ROOT) at STATIC_URL."
    )

    def get_handler(self, *args: Any, **options: Any) -> WSGIHandler:
        handler = super().get_handler(*args, **options)
        if isinstance(handler, StaticFilesHandler) and in_use():
            return ReleaseFilesHandler(handler.application)
        return handler
