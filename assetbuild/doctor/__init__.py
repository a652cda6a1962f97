"""The factor-VI doctor: what keeps an app from running as stateless, share-nothing processes.

Owns: the findings (``finding.py``), read from a Django settings object (``django.py``) or a
Flask app (``flask.py``) by attribute and duck typing, and how they are shown (``report.py``).
Must not: import Django, Flask or any other third party (the Django checks, ``flask assetbuild
doctor`` and ``assetbuild doctor`` are its thin adapters), write, or end the process.
"""
