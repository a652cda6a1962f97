"""``manage.py assetbuild`` and the ``runserver`` that serves the release in development.

Owns: nothing but the package. Must not: import anything (Django imports the commands by name).
"""

from __future__ import annotations
