"""Rendering: a document plus the release paths of what it references -> the asset's final bytes.

Owns: rewriting each reference to its fingerprinted, relative URL, and assembling a bundle
(join, the filters' ``output`` step, the leading ``@charset``).
Must not: read source files or decide what a reference means; ``documents`` did both.
"""

from __future__ import annotations

from collections.abc import Mapping

from assetbuild.build import css
from assetbuild.build.bundles import FilterChain, join_css, join_js, with_charset
from assetbuild.build.documents import Document, Piece
from assetbuild.build.references import relative_url


def render(
    document: Document, release_paths: Mapping[str, str], chain: FilterChain | None
) -> bytes:
    """The final bytes. ``release_paths`` must hold every dependency of the document."""
    name = document.asset.logical_path
    if document.decoded is not None:  # published on its own: same encoding, same bytes around
        return document.decoded.encode(_rewrite(document.pieces[0], name, release_paths))
    assert chain is not None, "a bundle always has a filter chain"
    bodies = [_rewrite(piece, name, release_paths) for piece in document.pieces]
    if document.asset.kind == "css":
        hoisted = [_rewrite(piece, name, release_paths) for piece in document.hoisted]
        text = with_charset(chain.output(join_css(hoisted, bodies), name))
    else:
        text = chain.output(join_js(bodies), name)
    return text.encode("utf-8", errors="surrogateescape")


def _rewrite(piece: Piece, asset_name: str, release_paths: Mapping[str, str]) -> str:
    replacements: dict[css.Reference, str | None] = {}
    for link in piece.links:
        target = link.resolution.target
        if link.drop:
            replacements[link.reference] = None
        elif target is not None:
            # URLs are relative to the asset being written (a bundle's inputs may live elsewhere).
            replacements[link.reference] = relative_url(
                asset_name, release_paths[target], link.resolution.suffix
            )
    rewritten = css.rewrite(piece.text, replacements) if replacements else piece.text
    return piece.head + rewritten[piece.body_start :]
