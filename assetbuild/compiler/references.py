"""Reference resolution: a URL written in a source file -> the logical path it names.

Owns: which URLs are local (not ``data:``, not a scheme, not ``//host``, not ``#id``), how a
relative or ``/``-absolute URL maps to a logical path, containment (nothing resolves above the
source directories; a URL that climbs above the release's root says so, and what a browser
would request instead), the wording of a miss (with a case-only or bundle-input hint), and the
relative, percent-encoded URL that replaces a reference in the release.
Must not: read files or know CSS syntax; the scanners find references, this module places them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

# RFC 3986 section 3.1: a URL that starts with a scheme ("https:", "data:", "node:") names no
# file of the release. The one test of it in the compiler.
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Resolution:
    """Where a reference points. Exactly one of ``target``, ``miss`` holds, or neither (not ours)."""

    target: str | None = None  # the logical path it names
    suffix: str = ""  # the ?query and #fragment as written, kept in the rewritten URL
    miss: str | None = None  # why a local reference names no published file

    @property
    def local(self) -> bool:
        return self.target is not None or self.miss is not None


EXTERNAL = Resolution()


class Resolver:
    def __init__(
        self,
        published: Collection[str],
        url_prefix: str,
        *,
        bundle_inputs: Mapping[str, str] | None = None,
        unpublished: Collection[str] = (),
    ):
        """``published``: every logical path of the release. ``bundle_inputs``: input -> its bundle.
        ``unpublished``: source files left out by ``exclude`` (for a better message)."""
        self.published = published
        self.prefix_path = urlsplit(url_prefix).path or "/"
        self.bundle_inputs = bundle_inputs or {}
        self.unpublished = unpublished
        self._folded: dict[str, list[str]] | None = None

    def resolve(self, url: str, base: str) -> Resolution:
        """Resolve ``url`` as written in the file at logical path ``base``."""
        url = url.strip()
        if not url or url.startswith(("#", "//")) or SCHEME.match(url):
            return EXTERNAL
        cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
        path, suffix = unquote(url[:cut]), url[cut:]
        if path.startswith("/"):
            if not path.startswith(self.prefix_path):
                return EXTERNAL  # served by the app, not by this release
            candidate = posixpath.normpath(path[len(self.prefix_path) :])
        else:
            candidate = posixpath.normpath(posixpath.join(posixpath.dirname(base), path))
        if candidate == ".." or candidate.startswith("../"):
            return Resolution(suffix=suffix, miss=self._climbs(path, base, candidate))
        if candidate.startswith("/"):
            return Resolution(
                suffix=suffix,
                miss="resolves outside the source directories; refused: copy the file into a source directory",
            )
        if path.endswith("/") or candidate == ".":
            return Resolution(suffix=suffix, miss=f"names a directory ({candidate}/), not a file")
        if candidate in self.published:
            return Resolution(target=candidate, suffix=suffix)
        return Resolution(suffix=suffix, miss=self._why_missing(candidate))

    def _climbs(self, path: str, base: str, candidate: str) -> str:
        """The miss of a URL whose ``..`` segments climb above the release's root.

        A browser resolves it against the page's URL and clamps ``..`` at the host's root
        (RFC 3986 section 5.2.4), so it would ask the app, not this release, for what follows:
        the typical cause is one ``../`` too many in a file that moved up a directory.
        """
        above = candidate.split("/").count("..")
        start = self.prefix_path if path.startswith("/") else self.prefix_path + base
        requested = posixpath.normpath(posixpath.join(posixpath.dirname(start), path))
        requested = "/" + requested.lstrip("/")  # normpath keeps a leading "//"
        depth = posixpath.dirname(base).count("/") + 1 if posixpath.dirname(base) else 0
        where = "" if path.startswith("/") else f" ({base} is {depth} level(s) down)"
        return (
            f"climbs {above} level(s) above the release's root{where}: a browser would "
            f"request {requested} (it stops '..' at the host's root), outside "
            f"{self.prefix_path}, so not a file of this release; refused (it resolves outside "
            "the source directories): drop the extra '../' or copy the file into a source "
            "directory"
        )

    def _why_missing(self, candidate: str) -> str:
        if candidate in self.bundle_inputs:
            bundle = self.bundle_inputs[candidate]
            return (
                f"names {candidate}, an input of bundle {bundle} that is not published on its own; "
                f"reference {bundle}, or move it out of the bundle"
            )
        if candidate in self.unpublished:
            return f"names {candidate}, which 'exclude' leaves out of the release"
        same_but_case = self._case_variants(candidate)
        if same_but_case:
            return f"resolves to no file ({candidate}); did you mean {same_but_case[0]}? (case differs)"
        return f"resolves to no file (looked for {candidate}); fix the reference or add the file"

    def _case_variants(self, candidate: str) -> list[str]:
        if self._folded is None:
            folded: dict[str, list[str]] = {}
            for name in self.published:
                folded.setdefault(name.casefold(), []).append(name)
            self._folded = folded
        return sorted(self._folded.get(candidate.casefold(), []))


def relative_url(from_logical: str, to_release: str, suffix: str = "") -> str:
    """The URL that reaches release path ``to_release`` from the file at ``from_logical``.

    Relative, so the release works under any URL prefix (a CDN set at run time included), and
    percent-encoded, so spaces and quotes survive minifiers and every CSS token form.
    """
    relative = posixpath.relpath(to_release, posixpath.dirname(from_logical) or ".")
    return quote(relative, safe="/") + suffix
