"""assetbuild.manifest.loads, as the runtime meets it: any input is a Manifest or a ManifestError.

Properties over arbitrary bytes, arbitrary JSON documents and near-manifests (the right keys with
arbitrary values), and, for every manifest that loads, an ``Assets`` whose URLs are plain ASCII.
"""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assetbuild.errors import ManifestError
from assetbuild.manifest import Entry, Manifest, dumps, loads, to_json, unsafe_path_reason
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
    optional={"importmap": mostly(st.dictionaries(TEXT, NAME, max_size=2))},
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


@given(st.dictionaries(any_string, entries, max_size=4), st.dictionaries(any_string, any_string))
@settings(max_examples=300)
def test_each_line_of_dumps_is_the_json_of_its_entry(
    assets: dict[str, Entry], importmap: dict[str, str]
) -> None:
    manifest = Manifest("/static/", assets, importmap)
    data = dumps(manifest)
    assert json.loads(data) == to_json(manifest)
    lines = data.decode("utf-8").split("\n")
    compact: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False, "separators": (", ", ": ")}
    items = to_json(manifest)["assets"]
    expected = [
        f"    {json.dumps(name, **compact)}: {json.dumps(items[name], **compact)}"
        for name in sorted(assets)
    ]
    assert [line.rstrip(",") for line in lines[2 : 2 + len(assets)]] == expected
