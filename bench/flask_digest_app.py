"""The Flask app whose ``flask digest compile`` (Flask-Static-Digest) bench/run.py times.

Owns: the app, with its static folder at ``$BENCH_STATIC`` (a fresh copy of the corpus for each
round: Flask-Static-Digest writes its md5-named copies, their gzip variants and
``cache_manifest.json`` into the static folder itself) and the extension with its defaults
(gzip only). Runs with the peers' venv. Must not: import assetbuild.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_static_digest import FlaskStaticDigest

app = Flask(__name__, static_folder=os.environ["BENCH_STATIC"], static_url_path="/static")
FlaskStaticDigest(app)
