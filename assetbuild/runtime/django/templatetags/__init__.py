"""The assetbuild app's template tag libraries; Django finds ``assetbuild`` here.

Owns: nothing but the package. Must not: import anything (Django imports the libraries by name).
"""

from __future__ import annotations
