"""``/write?value=X`` and ``/read``: a session written, a session read, by which process."""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.urls import path


def write(request: HttpRequest) -> JsonResponse:
    request.session["value"] = request.GET["value"]
    return JsonResponse({"pid": os.getpid()})


def read(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pid": os.getpid(), "value": request.session.get("value")})


urlpatterns = [path("write", write), path("read", read)]
