"""The build cache (assetbuild.compiler.cache): a rebuild does not read what has not changed, and
its release is the release a build without the cache makes.

Builds run in a child process that records, with an audit hook, every source file it opens.
The files of a test are seconds old at most, which the cache rightly does not trust (see its
"racily clean" rule), so the child sets ``RACY_SECONDS`` to 0; one test keeps the rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from assetbuild.compiler.bundles import filter_chain
from assetbuild.compiler.cache import BuildCache, last_build, trustworthy
from assetbuild.compiler.fingerprint import fingerprint
from assetbuild.compiler.scan.reference import Reference, Scan
from assetbuild.compiler.stable_reads import Signature

CHILD = """
import json, os, sys
from pathlib import Path
from assetbuild.compiler import cache
if sys.argv[3] == "trusting":
    cache.RACY_SECONDS = 0
site = os.path.realpath(sys.argv[1])
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, os.PathLike)):
        path = os.path.realpath(os.fspath(args[0]))
        if path.startswith(site + "/static/"):
            opened.add(os.path.relpath(path, site + "/static"))
sys.addaudithook(hook)
from assetbuild.compiler import assembly, stage
from assetbuild.compiler.config import load_config
rendered = []
real_render = stage.render
def render(document, *args):
    rendered.append(document.asset.logical_path)
    return real_render(document, *args)
stage.render = render
result = assembly.build(load_config(cwd=Path(site), environ={}), use_cache=sys.argv[2] == "cache")
written = list(result.published.written)
print(json.dumps({"opened": sorted(opened), "written": written, "rendered": sorted(rendered)}))
"""

# What a build reads however much it knows: the inputs of the bundles, to find their references:
# css/app.css (reset.css, site.css and theme.css, which site.css @imports and the bundle
# inlines) and js/app.js.
BUNDLE_INPUTS = {
    "css/reset.css",
    "css/site.css",
    "css/theme.css",
    "js/main.js",
    "js/vendor/counter.js",
}


def build(site: Path, *, cache: bool = True, trusting: bool = True) -> dict[str, list[str]]:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(site),
            "cache" if cache else "no-cache",
            "trusting" if trusting else "racy",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, list[str]] = json.loads(result.stdout)
    return found


def published(site: Path) -> dict[str, bytes]:
    """The files the manifest names, and the manifest."""
    release = site / "build/static"
    manifest = (release / "manifest.json").read_bytes()
    files = {"manifest.json": manifest}
    for entry in json.loads(manifest)["assets"].values():
        for path in (entry["path"], *entry["encodings"].values()):
            files[path] = (release / path).read_bytes()
    return files


def same_release_without_cache(site: Path, tmp_path: Path) -> None:
    """The release in ``site`` is the one a build without any cache makes from its sources."""
    fresh = tmp_path / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("build"))
    build(fresh, cache=False)
    assert published(site) == published(fresh)


def test_the_bundle_inputs_are_what_the_fixture_has(site: Path) -> None:
    found = {p.relative_to(site / "static").as_posix() for p in (site / "static").rglob("*")}
    assert found >= BUNDLE_INPUTS


def test_a_rebuild_with_nothing_changed_reads_no_source_file_and_writes_nothing(
    site: Path, tmp_path: Path
) -> None:
    first = build(site)
    assert {"css/print.css", "js/standalone.js", "img/logo.png", "fonts/dejavu-sans.woff2"} <= set(
        first["opened"]
    )
    assert {"css/app.css", "js/app.js", "css/print.css"} <= set(first["rendered"])
    state = site / "build/.static.assetbuild"
    before = {
        p: p.read_bytes()
        for p in [*state.rglob("*"), *(site / "build/static").rglob("*")]
        if p.is_file()
    }
    second = build(site)
    assert second == {"opened": [], "written": [], "rendered": []}
    after = {
        p: p.read_bytes()
        for p in [*state.rglob("*"), *(site / "build/static").rglob("*")]
        if p.is_file()
    }
    assert after == before  # not even the manifest or the cache is written again
    same_release_without_cache(site, tmp_path)


def test_with_one_new_file_a_rebuild_reads_only_the_bundle_inputs_and_that_file(
    site: Path, tmp_path: Path
) -> None:
    build(site)
    (site / "static/img/new.png").write_bytes(b"a new image")
    second = build(site)
    # The last build as a whole no longer stands, but each file's record does: the bundles'
    # inputs are read to find their references, and the new file to publish it.
    assert set(second["opened"]) == BUNDLE_INPUTS | {"img/new.png"}
    assert second["rendered"] == []  # not even the bundles are joined and minified again
    assert [p for p in second["written"] if not p.startswith("img/new.")] == []
    same_release_without_cache(site, tmp_path)


def test_a_changed_image_is_read_with_the_stylesheets_that_reference_it(
    site: Path, tmp_path: Path
) -> None:
    build(site)
    logo = site / "static/img/logo.png"
    logo.write_bytes(logo.read_bytes() + b"\0")
    second = build(site)
    # print.css references the logo (and is rewritten to its new name); site.css, in a bundle,
    # too. The fonts, the scripts and the other files are not read again.
    assert set(second["opened"]) == BUNDLE_INPUTS | {"img/logo.png", "css/print.css"}
    assert second["rendered"] == ["css/app.css", "css/print.css"]  # not js/app.js
    assert any(path.startswith("img/logo.") for path in second["written"])
    assert any(path.startswith("css/print.") for path in second["written"])
    same_release_without_cache(site, tmp_path)


def test_a_change_that_keeps_size_and_mtime_is_still_seen(site: Path, tmp_path: Path) -> None:
    build(site)
    image = site / "static/img/bg.png"
    before = image.stat()
    data = image.read_bytes()
    image.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # other bytes, the same size
    os.utime(image, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    assert (image.stat().st_size, image.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert "img/bg.png" in build(site)["opened"]  # its ctime gave it away
    same_release_without_cache(site, tmp_path)


def test_a_file_removed_from_the_release_is_written_again(site: Path, tmp_path: Path) -> None:
    build(site)
    manifest = json.loads((site / "build/static/manifest.json").read_bytes())
    font = manifest["assets"]["fonts/dejavu-sans.woff2"]["path"]
    (site / "build/static" / font).unlink()
    second = build(site)
    assert "fonts/dejavu-sans.woff2" in second["opened"]
    assert font in second["written"]
    same_release_without_cache(site, tmp_path)


def test_without_the_cache_every_file_is_read_and_the_release_is_the_same(
    site: Path, tmp_path: Path
) -> None:
    first = build(site)
    again = build(site, cache=False)
    assert set(again["opened"]) == set(first["opened"])
    assert again["written"] == []
    same_release_without_cache(site, tmp_path)


def test_an_unusable_cache_is_ignored(site: Path, tmp_path: Path) -> None:
    first = build(site)
    cache_file = site / "build/.static.assetbuild/cache.json"
    made_by = {"assetbuild": "0.0.0", "rcssmin": "1.0", "rjsmin": "1.0"}
    other = json.loads(cache_file.read_bytes()) | {"made_by": made_by}
    for damage in (b"{not json", json.dumps(other).encode()):
        cache_file.write_bytes(damage)
        (cache_file.parent / "build.json").unlink()  # else the last build as a whole stands
        assert set(build(site)["opened"]) == set(first["opened"])
    same_release_without_cache(site, tmp_path)


def test_files_changed_within_the_last_seconds_are_not_trusted(site: Path) -> None:
    build(site, trusting=False)  # every file of the fixture was just copied
    records = json.loads((site / "build/.static.assetbuild/cache.json").read_bytes())["files"]
    assert records == {}


def test_clean_keeps_the_cache(site: Path) -> None:
    build(site)
    subprocess.run(
        [sys.executable, "-m", "assetbuild", "clean", "--keep", "1"], cwd=site, check=True
    )
    assert (site / "build/.static.assetbuild/cache.json").is_file()
    assert build(site)["opened"] == []


def test_a_changed_bundle_input_renders_that_bundle_only(site: Path, tmp_path: Path) -> None:
    build(site)
    main = site / "static/js/main.js"
    main.write_text(main.read_text() + "\n// changed\n")
    second = build(site)
    assert second["rendered"] == ["js/app.js"]
    same_release_without_cache(site, tmp_path)


def test_only_a_bundle_of_assetbuilds_own_filters_is_cached_by_its_files_signatures() -> None:
    # A webassets filter's results are cached by content instead (test_webassets_filters.py).
    assert filter_chain(["rcssmin"], bundle="b", config_file="c", source_dir=".").pure
    assert filter_chain([], bundle="b", config_file="c", source_dir=".").pure
    assert not filter_chain(["cssrewrite"], bundle="b", config_file="c", source_dir=".").pure


# --- the cache on its own ---


TEN_SECONDS_AGO = time.time_ns() - 10 * 10**9


def signature(**changes: int) -> Signature:
    old = TEN_SECONDS_AGO
    values = {"size": 5, "mtime_ns": old, "inode": 7, "ctime_ns": old, "device": 1}
    values.update(changes)
    return Signature(**values)


def test_a_record_is_found_by_the_same_signature_and_key_only(tmp_path: Path) -> None:
    cache = BuildCache()
    printed = fingerprint(b"hello")
    reference = Reference("a.png", "url", 4, 9, 0, 10, "", 1, 5)
    cache.record_output("img/a.css", signature(), "k", printed)
    cache.record_scan("img/a.css", signature(), Scan((reference,), "utf-8", b""))
    (tmp_path / "cache.json").write_bytes(cache.dumps())
    loaded = BuildCache.load(tmp_path)
    assert loaded.output("img/a.css", signature(), "k") == printed
    assert loaded.scan("img/a.css", signature()) == Scan((reference,), "utf-8", b"")
    assert loaded.output("img/a.css", signature(), "other key") is None
    assert loaded.output("img/b.css", signature(), "k") is None
    for change in ("size", "inode", "device"):
        assert loaded.output("img/a.css", signature(**{change: 99}), "k") is None
    for change in ("mtime_ns", "ctime_ns"):
        assert loaded.output("img/a.css", signature(**{change: 1}), "k") is None


def test_a_reference_of_no_known_kind_is_not_trusted(tmp_path: Path) -> None:
    cache = BuildCache()
    reference = Reference("a.png", "url", 4, 9, 0, 10, "", 1, 5)
    cache.record_scan("img/a.css", signature(), Scan((reference,), "utf-8", b""))
    document = json.loads(cache.dumps())
    document["files"]["img/a.css"]["references"][0][1] = "bogus"
    (tmp_path / "cache.json").write_text(json.dumps(document))
    assert BuildCache.load(tmp_path).scan("img/a.css", signature()) is None


def test_what_a_build_did_not_use_is_dropped() -> None:
    cache = BuildCache()
    cache.record_output("gone.css", signature(), "", fingerprint(b"x"))
    kept = BuildCache(json.loads(cache.dumps())["files"])
    assert json.loads(kept.dumps())["files"] == {}


def test_trust_needs_both_times_to_be_old_enough() -> None:
    now = time.time_ns()
    assert trustworthy(signature(mtime_ns=now - 3 * 10**9, ctime_ns=now - 3 * 10**9), now)
    assert not trustworthy(signature(mtime_ns=now - 3 * 10**9, ctime_ns=now - 10**9), now)
    assert not trustworthy(signature(mtime_ns=now, ctime_ns=now - 3 * 10**9), now)


def test_a_tampered_record_is_not_trusted(site: Path, tmp_path: Path) -> None:
    build(site)
    cache_file = site / "build/.static.assetbuild/cache.json"
    document = json.loads(cache_file.read_bytes())
    records = document["files"]
    records["img/logo.png"]["fingerprint"]["digest"] = "../../escape"
    records["css/print.css"]["references"][0][2] = "not an offset"
    cache_file.write_text(json.dumps(document))
    (cache_file.parent / "build.json").unlink()  # else the last build as a whole stands
    again = build(site)
    # Both files are read again; print.css's output record was not touched and still holds.
    assert {"img/logo.png", "css/print.css"} <= set(again["opened"])
    same_release_without_cache(site, tmp_path)


# --- webassets filters' results and source digests ---


def test_a_filter_result_is_found_by_its_key_while_its_programs_are_the_same(
    tmp_path: Path,
) -> None:
    cache = BuildCache()
    cache.record_filtered("k1", "a{b:c}", {"lessc": "less 4.2.0"})
    cache.record_filtered("k2", "d{e:f}", {})
    (tmp_path / "cache.json").write_bytes(cache.dumps())
    loaded = BuildCache.load(tmp_path)
    assert loaded.filtered("k1", {"lessc": "less 4.2.0"}.__getitem__) == "a{b:c}"
    assert loaded.filtered("k1", {"lessc": "less 4.2.1"}.__getitem__) is None
    assert loaded.filtered("k2", {}.__getitem__) == "d{e:f}"
    assert loaded.filtered("k3", {}.__getitem__) is None
    # What this build did not use is gone from the next cache.
    assert set(json.loads(loaded.dumps())["filtered"]) == {"k1", "k2"}
    again = BuildCache(filtered=json.loads(loaded.dumps())["filtered"])
    again.filtered("k2", {}.__getitem__)
    assert set(json.loads(again.dumps())["filtered"]) == {"k2"}


def test_a_damaged_filter_result_is_not_used(tmp_path: Path) -> None:
    document = json.loads(BuildCache().dumps())
    document["filtered"] = {
        "text": {"text": 1, "programs": {}},
        "programs": {"text": "x", "programs": ["lessc"]},
        "entry": "x",
    }
    (tmp_path / "cache.json").write_text(json.dumps(document))
    loaded = BuildCache.load(tmp_path)
    assert [loaded.filtered(key, str) for key in ("text", "programs", "entry")] == [None] * 3


def test_results_made_while_a_file_changed_are_forgotten_and_found_ones_kept() -> None:
    old = BuildCache()
    old.record_filtered("found", "x", {})
    cache = BuildCache(filtered=json.loads(old.dumps())["filtered"])
    assert cache.filtered("found", str) == "x"
    cache.record_filtered("made", "y", {})
    cache.forget_filtered()
    assert set(json.loads(cache.dumps())["filtered"]) == {"found"}


def test_a_digest_is_found_by_the_same_signature_and_only_a_trusted_one_is_kept(
    tmp_path: Path,
) -> None:
    cache = BuildCache()
    cache.record_digest("css/a.css", signature(), "ab" * 32)
    cache.record_digest("css/new.css", signature(mtime_ns=time.time_ns()), "cd" * 32)
    (tmp_path / "cache.json").write_bytes(cache.dumps())
    loaded = BuildCache.load(tmp_path)
    assert loaded.digest("css/a.css", signature()) == "ab" * 32
    assert loaded.digest("css/a.css", signature(size=6)) is None
    assert loaded.digest("css/new.css", signature(mtime_ns=time.time_ns())) is None


def test_the_bookkeeping_holds_nothing_about_the_build_machine(site: Path) -> None:
    # A bundle through a webassets filter too, so that the filter results and the digests of
    # the files they may read are recorded as well.
    (site / "static/scss/main.scss").write_text('@import "partial";\n.main { color: red }\n')
    config = site / "assetbuild.toml"
    config.write_text(
        config.read_text() + '\n[bundles."css/filtered.css"]\ninputs = ["scss/main.scss"]\n'
        'filters = ["libsass"]\n'
    )
    build(site)
    build(site)  # the second build keeps what the first learnt: the records are all there
    state = site / "build/.static.assetbuild"
    document = json.loads((state / "cache.json").read_bytes())
    assert document["files"] and document["digests"] and document["filtered"]
    stats = [os.stat(p) for p in (site / "static").rglob("*") if p.is_file()]
    numbers: set[int] = set()
    for stat in stats:
        numbers |= {stat.st_ino, stat.st_dev, stat.st_mtime_ns, stat.st_ctime_ns}
        numbers |= {int(stat.st_mtime), int(stat.st_ctime)}
    # A number below 1000 (a device, in a container) says nothing: lines, columns and sizes
    # are such numbers too.
    numbers = {n for n in numbers if n >= 1000}
    assert numbers
    texts = {str(site), os.path.realpath(site), str(Path.home()), os.getcwd()}
    found_numbers, found_texts = [], []
    for path in [state, *state.rglob("*")]:
        data = path.name.encode() if path.is_dir() else path.read_bytes()
        found_texts += [t for t in texts if t.encode() in data]
        # Every run of digits in the bytes, so that a number is found however it is written.
        found_numbers += [n for n in map(int, re.findall(rb"\d+", data)) if n in numbers]
    assert found_texts == []
    assert found_numbers == []


def test_a_signature_is_stored_only_as_a_stamp_of_the_caches_own_salt(tmp_path: Path) -> None:
    cache = BuildCache()
    cache.record_digest("css/a.css", signature(), "ab" * 32)
    (tmp_path / "cache.json").write_bytes(cache.dumps())
    stored = json.loads((tmp_path / "cache.json").read_bytes())["digests"]["css/a.css"]
    assert stored[1] == "ab" * 32 and len(stored) == 2
    assert BuildCache.load(tmp_path).digest("css/a.css", signature()) == "ab" * 32
    # Another cache (another salt) stamps the same signature differently.
    other = BuildCache()
    other.record_digest("css/a.css", signature(), "ab" * 32)
    assert json.loads(other.dumps())["digests"]["css/a.css"][0] != stored[0]


# --- the last build as a whole ---


def test_the_last_build_is_found_by_the_same_config_and_sources_and_tied_to_its_manifest(
    tmp_path: Path,
) -> None:
    settled = time.time_ns() - 10 * 10**9
    cache = BuildCache()
    cache.record_build("Config(a)", "state-1", settled, time.time_ns(), {"css/app.css": 12})
    files = cache.state_files(b'{"manifest": 1}')
    assert set(files) == {"cache.json", "build.json"}
    (tmp_path / "build.json").write_bytes(files["build.json"])
    last = last_build(tmp_path, "Config(a)", "state-1")
    assert last is not None
    assert last.manifest == hashlib.sha256(b'{"manifest": 1}').hexdigest()
    assert last.raw_sizes == {"css/app.css": 12}
    assert last_build(tmp_path, "Config(b)", "state-1") is None
    assert last_build(tmp_path, "Config(a)", "state-2") is None
    assert last_build(tmp_path, "Config(a)", "") is None
    # Neither the config nor the state is stored as it is: only their keyed stamp.
    text = (tmp_path / "build.json").read_text()
    assert "Config(a)" not in text and "state-1" not in text


def test_a_build_is_recorded_only_when_its_files_had_settled() -> None:
    now = time.time_ns()
    racy = BuildCache()
    racy.record_build("Config(a)", "state-1", now - 10**9, now, {})  # changed a second before
    assert set(racy.state_files(b"{}")) == {"cache.json"}
    settled = BuildCache()
    settled.record_build("Config(a)", "state-1", now - 10 * 10**9, now, {})
    assert set(settled.state_files(b"{}")) == {"cache.json", "build.json"}


def test_a_damaged_record_of_the_last_build_is_not_used(tmp_path: Path) -> None:
    cache = BuildCache()
    cache.record_build("Config(a)", "state-1", 0, 10 * 10**9, {"css/app.css": 12})
    record = json.loads(cache.state_files(b"{}")["build.json"])
    for damage in (
        {"manifest": "../.."},
        {"raw_sizes": {"css/app.css": "12"}},
        {"manifest": 1},
        {"salt": "not hex"},
        {"format": 0},
    ):
        (tmp_path / "build.json").write_text(json.dumps({**record, **damage}))
        assert last_build(tmp_path, "Config(a)", "state-1") is None, damage
    (tmp_path / "build.json").write_text("{")
    assert last_build(tmp_path, "Config(a)", "state-1") is None
