"""assetbuild.manifest.loads, as the runtime meets it: any input is a Manifest or a ManifestError.

Properties over arbitrary bytes, arbitrary JSON documents and near-manifests (the right keys with
arbitrary values), and, for every manifest that loads, an ``Assets`` whose URLs are plain ASCII.
"""

from __future__ import annotations

import json
import string
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetbuild.errors import ManifestError
from assetbuild.manifest import (
    Entry,
    Manifest,
    _Reader,
    dumps,
    loads,
    to_json,
    unsafe_path_reason,
)
from assetbuild.runtime import Assets

# Every character, lone surrogates included: a JSON "\udcff" escape decodes to one.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TEXT = st.text(ANY_CHAR, max_size=12)
RELEASE_PATH = st.from_regex(r"[a-z]{1,3}(/[a-z \"<%é+#]{1,4}){0,2}\.(css|js|png)", fullmatch=True)
ODD_PATH = st.text(st.sampled_from("ab./\\:% \"<'é\x00\udcff"), max_size=12) | TEXT

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def mostly(valid: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any] = JSON) -> Any:
    """``valid`` three times in four, else ``wrong`` or any JSON value: deep enough to reach
    every check, often enough to load."""
    return st.sampled_from([valid, valid, valid, wrong | JSON]).flatmap(lambda chosen: chosen)


NAME = st.sampled_from([RELEASE_PATH, RELEASE_PATH, ODD_PATH]).flatmap(
    lambda chosen: chosen
)  # a key: strings only
PATHISH = mostly(RELEASE_PATH, ODD_PATH)

ENTRY = st.fixed_dictionaries(
    {
        "path": PATHISH,
        "integrity": mostly(st.just("sha384-abc"), st.sampled_from(["sha1-abc", "md5", ""])),
        "size": mostly(st.integers(min_value=0), st.integers(max_value=-1) | st.just(1.5)),
        "encodings": mostly(st.dictionaries(st.sampled_from(["br", "gzip"]), PATHISH, max_size=2)),
    },
    optional={
        "sources": mostly(st.lists(TEXT, max_size=2)),
        "imports": mostly(st.lists(TEXT, max_size=2)),
        "future": JSON,  # readers ignore keys they do not know
    },
)

NEAR_MANIFEST = st.fixed_dictionaries(
    {
        "version": mostly(st.just(1), st.sampled_from([2, 0, True, 1.0, "1"])),
        "url": mostly(st.just("/static/"), st.sampled_from(["/static", ""])),
        "assets": mostly(st.dictionaries(NAME, ENTRY, max_size=3)),
    },
    optional={
        "importmap": mostly(st.dictionaries(TEXT, NAME, max_size=2)),
        "plain": mostly(st.lists(NAME, max_size=2)),
        "aliases": mostly(st.dictionaries(TEXT | NAME, NAME, max_size=2)),
    },
)


def loads_or_manifest_error(data: bytes | str) -> Manifest | None:
    try:
        return loads(data, "<test>")
    except ManifestError:
        return None


@given(st.binary(max_size=200))
def test_loads_of_any_bytes_is_a_manifest_or_a_manifest_error(data: bytes) -> None:
    loads_or_manifest_error(data)


@given(JSON)
def test_loads_of_any_json_document_is_a_manifest_or_a_manifest_error(document: Any) -> None:
    loads_or_manifest_error(json.dumps(document))


@given(NEAR_MANIFEST)
def test_loads_of_a_near_manifest_is_a_manifest_or_a_manifest_error(document: Any) -> None:
    for data in (json.dumps(document), json.dumps(document).encode("utf-8", "surrogatepass")):
        loads_or_manifest_error(data)


@given(NEAR_MANIFEST)
def test_a_manifest_that_loads_names_only_safe_release_paths(document: Any) -> None:
    manifest = loads_or_manifest_error(json.dumps(document))
    if manifest is not None:
        for name, entry in manifest.assets.items():
            assert unsafe_path_reason(name) is None
            assert unsafe_path_reason(entry.path) is None
            assert all(unsafe_path_reason(p) is None for p in entry.encodings.values())


def read_entries(read: Callable[[dict[str, Any]], dict[str, Entry]], raw: Any) -> object:
    """What ``read`` makes of ``raw``: its entries, or the message of its ManifestError."""
    try:
        return read(raw)
    except ManifestError as error:
        return str(error)


@settings(max_examples=300)
@given(st.dictionaries(NAME, mostly(ENTRY), max_size=4))
def test_the_fast_reader_gives_what_the_entry_by_entry_reader_gives(raw: dict[str, Any]) -> None:
    # The same entries, or the same error naming the same first wrong key.
    fast = read_entries(_Reader("<test>").assets, raw)
    assert fast == read_entries(_Reader("<test>").assets_in_order, raw)


def test_the_fast_reader_falls_back_on_safe_paths_it_cannot_vouch_for() -> None:
    # A ":" and a segment that starts with "." are safe, but not what the fast check passes.
    names = ("a/b:c.css", "a/.well-known/x.json", "é/ü.css")
    raw = {
        name: {"path": name, "integrity": "sha384-x", "size": 1, "encodings": {}} for name in names
    }
    assert set(_Reader("<test>").assets(raw)) == set(raw)


@settings(max_examples=200)
@given(st.data())
def test_plain_and_aliases_load_exactly_when_they_name_assets_and_aliases_look_up_their_targets(
    data: st.DataObject,
) -> None:
    names = data.draw(st.lists(RELEASE_PATH, min_size=1, max_size=4, unique=True))
    some_name = st.sampled_from(names)
    plain = data.draw(st.lists(some_name | TEXT, max_size=3))
    aliases = data.draw(st.dictionaries(TEXT | some_name, some_name | TEXT, max_size=3))
    document = {
        "version": 1,
        "url": "/static/",
        "assets": {
            name: {"path": f"{index}/{name}", "integrity": "sha384-x", "size": 1, "encodings": {}}
            for index, name in enumerate(names)
        },
        "plain": plain,
        "aliases": aliases,
    }
    valid = (
        all(name in names for name in plain)
        and all(target in names for target in aliases.values())
        and not any(alias in names for alias in aliases)
    )
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.json"
        manifest.write_text(json.dumps(document), encoding="utf-8")
        try:
            assets = Assets(manifest)
        except ManifestError:
            assert not valid
            return
        assert valid
        for alias, target in aliases.items():
            assert assets.url(alias) == assets.url(target)
            assert assets.integrity(alias) == assets.integrity(target)
            assert alias in assets
        assert list(assets) == list(names)


URL_CHARACTERS = set(string.ascii_letters + string.digits + "-._~/%")


@settings(max_examples=50)
@given(st.dictionaries(NAME, NAME, max_size=4))
def test_every_manifest_that_loads_gives_assets_with_plain_ascii_urls(
    paths: dict[str, str],
) -> None:
    document = {
        "version": 1,
        "url": "/static/",
        "assets": {
            name: {"path": path, "integrity": "sha384-x", "size": 1, "encodings": {}}
            for name, path in paths.items()
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.json"
        manifest.write_text(json.dumps(document), encoding="ascii")
        try:
            assets = Assets(manifest)
        except ManifestError:
            return
        for name in assets:
            url = assets.url(name)
            assert url.startswith("/static/")
            assert set(url) <= URL_CHARACTERS, url


# --- writing: dumps puts each entry together itself; it must be what json.dumps gives ---

any_string = st.text(max_size=12)
entries = st.builds(
    Entry,
    path=any_string,
    integrity=any_string,
    size=st.integers(min_value=0, max_value=2**63),
    encodings=st.dictionaries(any_string, any_string, max_size=3),
    sources=st.none() | st.lists(any_string, max_size=3).map(tuple),
    imports=st.none() | st.lists(any_string, max_size=3).map(tuple),
)


@given(
    st.dictionaries(any_string, entries, max_size=4),
    st.dictionaries(any_string, any_string),
    st.lists(any_string, max_size=3).map(tuple),
    st.dictionaries(any_string, any_string, max_size=3),
)
@settings(max_examples=300)
def test_each_line_of_dumps_is_the_json_of_its_entry(
    assets: dict[str, Entry],
    importmap: dict[str, str],
    plain: tuple[str, ...],
    aliases: dict[str, str],
) -> None:
    manifest = Manifest("/static/", assets, importmap, plain, aliases)
    data = dumps(manifest)
    assert json.loads(data) == to_json(manifest)
    lines = data.decode("utf-8").split("\n")
    compact: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False, "separators": (", ", ": ")}
    items = to_json(manifest)["assets"]
    expected = [
        f"    {json.dumps(name, **compact)}: {json.dumps(items[name], **compact)}"
        for name in sorted(assets)
    ]
    # "aliases" sorts before "assets": the entries start on the line after "assets"'s own.
    start = lines.index('  "assets": {') + 1 if assets else 0
    assert [line.rstrip(",") for line in lines[start : start + len(assets)]] == expected


# --- plain and aliases ---

BASE = {
    "version": 1,
    "url": "/static/",
    "assets": {
        name: {"path": path, "integrity": "sha384-x", "size": 1, "encodings": {}}
        for name, path in [
            ("css/home.css", "css/home.0123456789ab.css"),
            ("favicon.ico", "favicon.0123456789ab.ico"),
        ]
    },
}


def test_plain_and_aliases_round_trip_and_appear_only_when_there_are_some() -> None:
    document = {**BASE, "plain": ["favicon.ico"], "aliases": {"home": "css/home.css"}}
    manifest = loads(json.dumps(document))
    assert manifest.plain == ("favicon.ico",)
    assert manifest.aliases == {"home": "css/home.css"}
    assert manifest.release_paths() >= {"favicon.ico", "favicon.0123456789ab.ico"}
    assert json.loads(dumps(manifest)) == document
    bare = loads(json.dumps(BASE))
    assert (bare.plain, bare.aliases) == ((), {})
    assert set(json.loads(dumps(bare))) == {"version", "url", "assets"}


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"plain": "favicon.ico"}, "plain must be a list of logical paths"),
        ({"plain": [3]}, r"plain\[0\] must be a string"),
        ({"plain": ["robots.txt"]}, r"plain\[0\] names 'robots.txt', which is not an asset"),
        ({"aliases": ["home"]}, "aliases must be an object of alias -> logical path"),
        ({"aliases": {"home": 1}}, r"aliases\['home'\] must be a string"),
        ({"aliases": {"home": "css/nope.css"}}, r"aliases\['home'\] names 'css/nope.css', which"),
        ({"aliases": {"favicon.ico": "css/home.css"}}, "is also the logical path of an asset"),
    ],
)
def test_a_bad_plain_or_aliases_key_is_a_manifest_error_naming_it(
    extra: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ManifestError, match=problem) as raised:
        loads(json.dumps({**BASE, **extra}), "release/manifest.json")
    assert str(raised.value).startswith("release/manifest.json: ")
