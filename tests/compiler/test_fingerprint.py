from __future__ import annotations

import base64
import hashlib
import re

import pytest

from assetbuild.compiler.fingerprint import digest_of, fingerprint, release_path


def test_the_digest_is_the_first_twelve_hex_digits_of_sha256() -> None:
    data = b"body { color: red }"
    assert fingerprint(data).digest == hashlib.sha256(data).hexdigest()[:12]
    assert re.fullmatch(r"[0-9a-f]{12}", fingerprint(data).digest)


def test_integrity_is_sha384_in_base64_of_the_same_bytes() -> None:
    data = b"console.log(1)"
    expected = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert fingerprint(data).integrity == expected
    assert fingerprint(data).size == len(data)


@pytest.mark.parametrize(
    ("logical", "expected"),
    [
        ("css/app.css", "css/app.0123456789ab.css"),
        ("app.css", "app.0123456789ab.css"),
        ("js/jquery.min.js", "js/jquery.min.0123456789ab.js"),
        ("fonts/a b.woff2", "fonts/a b.0123456789ab.woff2"),
        ("LICENSE", "LICENSE.0123456789ab"),
    ],
)
def test_the_release_path_puts_the_digest_before_the_last_extension(
    logical: str, expected: str
) -> None:
    assert release_path(logical, "0123456789ab") == expected


@pytest.mark.parametrize(
    "logical",
    ["css/app.css", "LICENSE", "js/jquery.min.js", ".htaccess", "dir.d/noext", "dir/.x", "x."],
)
def test_the_digest_is_read_back_from_exactly_the_release_paths_of_its_logical_path(
    logical: str,
) -> None:
    path = release_path(logical, "0123456789ab")
    assert digest_of(logical, path) == "0123456789ab"
    assert digest_of(logical, release_path(logical, "0123456789AB")) is None  # not a digest
    assert digest_of(logical, logical) is None
    assert digest_of("other/" + logical, path) is None
