"""Rendering: a document plus the release paths of what it references -> the asset's final bytes.

Owns: rewriting each reference to its fingerprinted, relative URL (or, in a bundle with
``inline_max``, to the data: URI staging made of a small image), and assembling a bundle
(join, the filters' ``output`` step, the leading ``@charset``); and the join of a bundle's pieces
with references pointing at logical paths, which reading hands to webassets' output step.
Must not: decide what a reference means (``documents`` did), or write anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from assetbuild.compiler.bundles import FilterChain, join_css, join_js, with_charset
from assetbuild.compiler.documents import Bundle, Document, Link, Piece
from assetbuild.compiler.inline import embeddable
from assetbuild.compiler.references import relative_url
from assetbuild.compiler.scan import css
from assetbuild.compiler.scan.reference import Reference
from assetbuild.compiler.stable_reads import read_again

_NOTHING: Mapping[str, str] = MappingProxyType({})


def render(
    document: Document,
    release_paths: Mapping[str, str],
    chain: FilterChain | None,
    embedded: Mapping[str, str] = _NOTHING,
) -> bytes:
    """The final bytes. ``release_paths`` must hold every dependency of the document;
    ``embedded`` (logical path -> data: URI) the images a bundle embeds instead."""
    name = document.asset.logical_path
    if not isinstance(document, Bundle):
        # Published on its own: the same encoding, and every byte around the references kept.
        data = read_again(document.asset.inputs[0].file, document.signature)
        text = data[len(document.bom) :].decode(document.codec, errors="surrogateescape")
        rewritten = _rewrite(text, document.links, name, release_paths)
        return document.bom + rewritten.encode(document.codec, errors="surrogateescape")
    if document.filtered is not None:
        # Joined and filtered in reading: what is left is to point its references at files.
        text = _piece(document.filtered, name, release_paths, embedded)
    else:
        assert chain is not None, "a bundle always has a filter chain"
        text = chain.output(joined(document, release_paths, embedded), name).text
    if document.asset.kind == "css":
        text = with_charset(text)
    return text.encode("utf-8", errors="surrogateescape")


def joined(bundle: Bundle, paths: Mapping[str, str], embedded: Mapping[str, str] = _NOTHING) -> str:
    """A bundle's pieces joined as its kind needs, each reference rewritten to the URL, relative
    to the bundle, of ``paths[target]``: the release paths, or (for webassets' output step,
    before fingerprints are known) the logical paths themselves."""
    name = bundle.asset.logical_path
    bodies = [_piece(piece, name, paths, embedded) for piece in bundle.pieces]
    if bundle.asset.kind == "css":
        hoisted = [_piece(piece, name, paths) for piece in bundle.hoisted]
        return join_css(hoisted, bodies)
    return join_js(bodies)


def _piece(
    piece: Piece,
    asset_name: str,
    release_paths: Mapping[str, str],
    embedded: Mapping[str, str] = _NOTHING,
) -> str:
    rewritten = _rewrite(piece.text, piece.links, asset_name, release_paths, embedded)
    return piece.head + rewritten[piece.body_start :]


def _rewrite(
    text: str,
    links: tuple[Link, ...],
    asset_name: str,
    release_paths: Mapping[str, str],
    embedded: Mapping[str, str] = _NOTHING,
) -> str:
    replacements: dict[Reference, str | None] = {}
    for link in links:
        target = link.resolution.target
        if link.drop:
            replacements[link.reference] = None
        elif target is None:
            continue
        elif target in embedded and embeddable(link.reference.kind, link.resolution.suffix):
            replacements[link.reference] = embedded[target]  # the ?query is dropped with the URL
        else:
            # URLs are relative to the asset being written (a bundle's inputs may live elsewhere).
            replacements[link.reference] = relative_url(
                asset_name, release_paths[target], link.resolution.suffix
            )
    return css.rewrite(text, replacements) if replacements else text
