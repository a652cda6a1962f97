"""Destinations: the four URL forms, what is refused, and credentials from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetbuild.compiler.publish.destination import (
    Destination,
    parse_destination,
    require_credentials,
)
from assetbuild.errors import DestinationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://my-bucket/static", Destination("s3", "my-bucket", "static")),
        ("s3://my-bucket/", Destination("s3", "my-bucket", "")),
        ("s3://my-bucket/a/b/", Destination("s3", "my-bucket", "a/b")),
        ("gs://my_bucket/static", Destination("gs", "my_bucket", "static")),
        ("az://assets/static", Destination("az", "assets", "static")),
        ("file:///srv/www/static", Destination("file", "", "", Path("/srv/www/static"))),
        ("file:///srv/my%20site/", Destination("file", "", "", Path("/srv/my site"))),
    ],
)
def test_each_form_of_destination_is_read(text: str, expected: Destination) -> None:
    assert parse_destination(text) == expected


def test_a_destination_prints_as_a_url() -> None:
    assert str(parse_destination("s3://b-1/x/y/")) == "s3://b-1/x/y"
    assert parse_destination("s3://b-1").url_of("manifest.json") == "s3://b-1/manifest.json"
    assert str(parse_destination("file:///srv/static")) == "file:///srv/static"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://cdn.example.com/static", "not a destination assetbuild can publish to"),
        ("build/static", "not a destination assetbuild can publish to"),
        ("s3://", "names no bucket"),
        ("s3://My_Bucket/static", "not a valid bucket"),
        ("s3://bucket/a//b", "empty, '.' or '..' segment"),
        ("s3://bucket/../up", "empty, '.' or '..' segment"),
        ("s3://bucket/static?versionId=1", "?query"),
        ("file://build/static", "names the host 'build'"),
    ],
)
def test_a_bad_destination_is_refused_naming_it_and_the_forms(text: str, reason: str) -> None:
    with pytest.raises(DestinationError) as raised:
        parse_destination(text)
    message = str(raised.value)
    assert repr(text) in message
    assert reason in message
    assert "s3://BUCKET/PREFIX" in message


def test_credentials_come_from_the_standard_variables() -> None:
    s3 = parse_destination("s3://bucket/static")
    require_credentials(s3, {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"})
    require_credentials(s3, {"AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn:x"})
    require_credentials(parse_destination("file:///srv/static"), {})
    with pytest.raises(DestinationError) as raised:
        require_credentials(s3, {"AWS_ACCESS_KEY_ID": "k"})  # half a pair
    assert "s3://bucket/static" in str(raised.value)
    assert "AWS_SECRET_ACCESS_KEY" in str(raised.value)
    with pytest.raises(DestinationError, match="AZURE_STORAGE_ACCOUNT_NAME"):
        require_credentials(parse_destination("az://assets/static"), {})
    with pytest.raises(DestinationError, match="GOOGLE_"):
        require_credentials(parse_destination("gs://assets/static"), {"HOME": "/nonexistent"})
