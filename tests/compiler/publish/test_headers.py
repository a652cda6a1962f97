"""The header table: the same types on every machine, and encodings only from the manifest."""

from __future__ import annotations

import pytest

from assetbuild.compiler.publish.headers import IMMUTABLE, NO_CACHE, content_type, headers_for


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("css/app.0123456789ab.css", "text/css; charset=utf-8"),
        ("js/app.0123456789ab.js", "text/javascript; charset=utf-8"),
        ("js/mod.0123456789ab.mjs", "text/javascript; charset=utf-8"),
        ("data.0123456789ab.json", "application/json; charset=utf-8"),
        ("js/app.0123456789ab.js.map", "application/json; charset=utf-8"),
        ("img/logo.0123456789ab.svg", "image/svg+xml; charset=utf-8"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("page.0123456789ab.html", "text/html; charset=utf-8"),
        ("feed.0123456789ab.xml", "application/xml; charset=utf-8"),
        ("fonts/a.0123456789ab.woff2", "font/woff2"),
        ("img/a.0123456789ab.PNG", "image/png"),
        ("dist/src.0123456789ab.gz", "application/gzip"),
        ("LICENSE.0123456789ab", "application/octet-stream"),
        ("blob.0123456789ab.unknown", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_project_s_table(path: str, expected: str) -> None:
    assert content_type(path) == expected


def test_a_fingerprinted_file_is_immutable_and_carries_its_integrity() -> None:
    headers = headers_for("css/app.0123456789ab.css", "fingerprinted", integrity="sha384-x")
    assert headers.attributes() == {
        "Content-Type": "text/css; charset=utf-8",
        "Cache-Control": IMMUTABLE,
        "integrity": "sha384-x",
    }


def test_a_variant_has_its_base_s_type_and_its_own_encoding() -> None:
    headers = headers_for(
        "css/app.0123456789ab.css.br",
        "fingerprinted",
        base="css/app.0123456789ab.css",
        encoding="br",
    )
    assert (headers.content_type, headers.content_encoding) == ("text/css; charset=utf-8", "br")
    assert headers.cache_control == IMMUTABLE


def test_a_gz_asset_that_is_no_variant_gets_no_content_encoding() -> None:
    headers = headers_for("dist/archive.0123456789ab.tar.gz", "fingerprinted")
    assert headers.content_type == "application/gzip"
    assert headers.content_encoding is None


def test_the_manifest_and_plain_copies_are_revalidated() -> None:
    assert headers_for("manifest.json", "manifest").cache_control == NO_CACHE
    assert headers_for("favicon.ico", "plain").cache_control == NO_CACHE
