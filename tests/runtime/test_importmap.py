"""ES modules at run time: the import map and modulepreload links."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment

from assetbuild.manifest import Entry, Manifest, dumps
from assetbuild.runtime import Assets
from assetbuild.runtime.jinja import install


def entry(path: str, imports: tuple[str, ...] | None = None) -> Entry:
    return Entry(path, f"sha384-{path.replace('/', '_')}", 1, {}, None, imports)


def release(
    tmp_path: Path, assets: dict[str, Entry], importmap: dict[str, str] | None = None
) -> Assets:
    path = tmp_path / "manifest.json"
    path.write_bytes(dumps(Manifest("/static/", assets, importmap or {})))
    return Assets(path)


def body(markup: str) -> dict[str, dict[str, str]]:
    assert markup.startswith('<script type="importmap">') and markup.endswith("</script>")
    return dict(json.loads(markup[len('<script type="importmap">') : -len("</script>")]))


def test_the_import_map_maps_logical_urls_and_bare_specifiers_with_integrity(
    tmp_path: Path,
) -> None:
    assets = release(
        tmp_path,
        {
            "js/app.mjs": entry("js/app.1.mjs", ("js/util.js", "vendor/color.js")),
            "js/util.js": entry("js/util.2.js", ()),
            "vendor/color.js": entry("vendor/color.3.js", ()),
            "css/app.css": entry("css/app.4.css"),
        },
        {"@kurkle/color": "vendor/color.js"},
    )
    assert body(assets.importmap()) == {
        "imports": {
            "/static/js/app.mjs": "/static/js/app.1.mjs",
            "/static/js/util.js": "/static/js/util.2.js",
            "/static/vendor/color.js": "/static/vendor/color.3.js",
            "@kurkle/color": "/static/vendor/color.3.js",
        },
        "integrity": {
            "/static/js/app.1.mjs": "sha384-js_app.1.mjs",
            "/static/js/util.2.js": "sha384-js_util.2.js",
            "/static/vendor/color.3.js": "sha384-vendor_color.3.js",
        },
    }


def test_no_name_can_end_the_script_element_early(tmp_path: Path) -> None:
    assets = release(
        tmp_path,
        {"js/</script><b>.mjs": entry("js/x.1.mjs", ())},
        {"</script>": "js/</script><b>.mjs"},
    )
    markup = assets.importmap()
    assert markup.count("</script>") == 1 and "<b>" not in markup and "<!--" not in markup
    assert "</script>" in body(markup)["imports"]


def test_the_import_map_takes_a_nonce(tmp_path: Path) -> None:
    assets = release(tmp_path, {"a.mjs": entry("a.1.mjs", ())})
    assert assets.importmap(nonce='"x').startswith('<script type="importmap" nonce="&#34;x">')


def test_modulepreload_covers_the_static_graph_once_each_in_first_seen_order(
    tmp_path: Path,
) -> None:
    assets = release(
        tmp_path,
        {
            "app.mjs": entry("app.1.mjs", ("a.js", "b.js")),
            "a.js": entry("a.2.js", ("c.js", "b.js")),
            "b.js": entry("b.3.js", ("c.js", "app.mjs")),  # a cycle back to the entry point
            "c.js": entry("c.4.js", ()),
        },
    )
    tag = str(assets.tag("app.mjs", type="module"))
    hrefs = [part.split('"')[1] for part in tag.split("href=")[1:]]
    assert hrefs == ["/static/a.2.js", "/static/c.4.js", "/static/b.3.js"]
    assert tag.endswith(
        '<script src="/static/app.1.mjs" integrity="sha384-app.1.mjs" crossorigin="anonymous" type="module"></script>'
    )


def test_modulepreload_names_scripts_only_never_a_css_or_json_module(tmp_path: Path) -> None:
    # Imported `with { type: "css" }` / `"json"`: a modulepreload would fetch them as scripts.
    assets = release(
        tmp_path,
        {
            "app.mjs": entry("app.1.mjs", ("theme.css", "data.json", "a.js")),
            "theme.css": entry("theme.2.css", ()),
            "data.json": entry("data.3.json", ()),
            "a.js": entry("a.4.js", ()),
        },
    )
    tag = str(assets.tag("app.mjs", type="module"))
    assert [part.split('"')[1] for part in tag.split("href=")[1:]] == ["/static/a.4.js"]
    with_nonce = str(assets.tag("app.mjs", type="module", nonce="n"))
    assert "theme.2.css" not in with_nonce and "/static/a.4.js" in with_nonce


def test_the_jinja_global_renders_the_import_map(tmp_path: Path) -> None:
    assets = release(tmp_path, {"a.mjs": entry("a.1.mjs", ())})
    env = Environment(autoescape=True)
    install(env, assets)
    assert env.from_string("{{ asset_importmap() }}").render() == str(assets.importmap())
