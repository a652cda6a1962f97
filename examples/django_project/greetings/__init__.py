"""An app of the example's own, with its ``static/`` directory: a model, its admin and an API.

Its stylesheet (``greetings/css/admin.css``) reaches the admin through a ``ModelAdmin.Media``
class, and from there the release, like the admin's own files: collectstatic finds it, the
storage gives it a fingerprinted URL.
"""

from __future__ import annotations
