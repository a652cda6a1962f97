"""The assetbuild app's management commands; Django finds them in ``commands``.

Owns: nothing but the package. Must not: import anything (Django imports the commands by name).
"""

from __future__ import annotations
