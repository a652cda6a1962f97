"""A Django REST framework view: its browsable API pages load DRF's stylesheets, fonts and scripts
with ``{% static %}``, which the release answers like everything else."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class GreetingView(APIView):
    """The example's greeting."""

    def get(self, request: Request) -> Response:
        return Response({"greeting": "Hello from the API"})
