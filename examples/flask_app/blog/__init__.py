"""The blog: a blueprint with a static folder at the default static URL (``/blog/static/``).

Its ``css/style.css`` and ``img/badge.svg`` have the same names as the wiki's: in the release they
are ``blog/css/style.css`` and ``blog/img/badge.svg``, and ``url_for('blog.static', ...)`` (or
``url_for('.static', ...)`` in its templates) names them, never the wiki's.
"""

from __future__ import annotations

from flask import Blueprint, render_template

blog = Blueprint(
    "blog", __name__, static_folder="static", template_folder="templates", url_prefix="/blog"
)


@blog.get("/")
def index() -> str:
    return render_template("blog/index.html")
