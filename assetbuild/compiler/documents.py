"""Documents: what each stylesheet and script of the release is made of, references placed.

Owns: the values the reading phase (``reader``) hands to rendering (``render``): a ``Standalone``
file whose references are rewritten, a ``Bundle`` of text pieces, and each reference's ``Link``
(rewritten to a target, dropped, or kept). What each one depends on is read off its links.
Must not: read, decode or render anything; these are values.
"""

from __future__ import annotations

from dataclasses import dataclass

from assetbuild.compiler.plan import Asset
from assetbuild.compiler.references import Resolution
from assetbuild.compiler.scan.reference import Reference
from assetbuild.compiler.stable_reads import Signature


@dataclass(frozen=True)
class Link:
    """A reference and what becomes of it: rewritten to ``resolution.target``, dropped, or kept."""

    reference: Reference
    resolution: Resolution
    drop: bool = False


@dataclass(frozen=True)
class Piece:
    """Text from one input of a bundle. Rendering keeps ``head`` and then ``text[body_start:]``
    with the links rewritten; the input's leading ``@charset``/``@import`` rules are not kept."""

    origin: str  # logical path of the file the text came from; its references resolve from there
    text: str
    links: tuple[Link, ...]
    head: str = ""
    body_start: int = 0


def _targets(links: tuple[Link, ...]) -> set[str]:
    return {
        link.resolution.target
        for link in links
        if link.resolution.target is not None and not link.drop
    }


@dataclass(frozen=True)
class Standalone:
    """A file published on its own whose references are rewritten. Its text is not kept: render
    reads the file again (checking it has not changed), so a build holds one file at a time."""

    asset: Asset
    links: tuple[Link, ...]
    codec: str  # the Python codec that round-trips the file's text to its bytes
    bom: bytes
    signature: Signature

    @property
    def dependencies(self) -> tuple[str, ...]:
        return tuple(sorted(_targets(self.links)))


@dataclass(frozen=True)
class Bundle:
    """A bundle's inputs as text pieces, after each input's filters, read once per build: its
    text is rendered from these pieces, never read again, so the release holds what was read
    even if an input is saved meanwhile (the next build sees the change). ``reads`` names each
    file read and its signature, for the build cache. Rendering it gives bytes (``render``),
    which staging turns into an ``Output``.

    A bundle with webassets filters is read further: its pieces are joined with each reference
    pointing at its target's logical path, the filters' ``output`` step runs on that, and what
    they wrote is scanned again, so that a reference a filter wrote is resolved like any other.
    That text is ``filtered``, a piece of the bundle's own: rendering only points its references
    at files, and it alone says what the bundle depends on. The pieces stay, to say where each
    reference of the sources came from."""

    asset: Asset
    pieces: tuple[Piece, ...]
    hoisted: tuple[Piece, ...] = ()  # @import rules a CSS bundle moves to its top
    raw_size: int = 0  # the inputs' total size as read, for the summary
    reads: tuple[tuple[str, Signature], ...] = ()  # every file read for it, in order
    filtered: Piece | None = None  # the text after webassets' output step (see above)

    @property
    def dependencies(self) -> tuple[str, ...]:
        if self.filtered is not None:
            return tuple(sorted(_targets(self.filtered.links)))
        targets: set[str] = set()
        for piece in (*self.hoisted, *self.pieces):
            targets |= _targets(piece.links)
        return tuple(sorted(targets))


Document = Standalone | Bundle
