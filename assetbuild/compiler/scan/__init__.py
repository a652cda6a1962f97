"""Scanners: where the references are in a text, and nothing more.

The modules below read CSS (``css``), ES modules (``esm``) and script source-map comments
(``sourcemap``), number positions (``positions``) and hold the values the scanners hand on
(``reference``: what the rest of the compiler imports to name them). They are leaves: they
import nothing from the rest of the compiler, know nothing of files, plans or releases, and
never resolve what they find (``references`` does).
"""
