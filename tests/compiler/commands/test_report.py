"""``assetbuild report`` and ``build --report``: the HTML page of a release, its data, and the page
itself opened from disk in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import rcssmin
from click.testing import CliRunner, Result
from playwright.sync_api import Browser, Dialog, Page

from assetbuild.compiler import compress
from assetbuild.compiler.budgets import measure
from assetbuild.compiler.cli import main
from assetbuild.compiler.commands.report import Report, gather, render, report_release, to_data
from assetbuild.compiler.config import load_config
from assetbuild.compiler.sizes import Budget
from assetbuild.manifest import load
from tests.conftest import FIXTURES, write
from tests.examples.browsing import chromium

# File names are user input: these are real files of a source directory, built, then reported.
HOSTILE = "<img src=x onerror=alert(1)>.css"
HOSTILE_DIRECTORY = (
    "</script><script>alert(2)<"  # the logical path: </script><script>alert(2)</script>.css
)
HOSTILE_INPUT = "css/<b onmouseover=alert(3)>.css"


def run(cwd: Path, *args: str) -> Result:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def copy_site(destination: Path) -> Path:
    shutil.copytree(FIXTURES / "site", destination, ignore=shutil.ignore_patterns("build"))
    return destination


def built(site: Path, *args: str) -> Path:
    result = run(site, "build", *args)
    assert result.exit_code == 0, result.output + result.stderr
    return site / "build/static"


def report_of(site: Path, **kwargs: Path) -> Report:
    config = load_config(cwd=site, environ={})
    return report_release(config.output, config=config, state=config.state, **kwargs)


def rows(report: Report) -> dict[str, Any]:
    """Each asset's row as the page's script reads it (JSON: lists, not tuples)."""
    data = json.loads(json.dumps(to_data(report)))
    return {row["logical_path"]: row for row in data["assets"]}


def embedded(page: bytes) -> dict[str, Any]:
    """The data the page's script reads."""
    found = re.search(rb'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert found is not None
    data: dict[str, Any] = json.loads(found[1])
    return data


# --- the command line ------------------------------------------------------------------------


def test_report_without_a_release_exits_2_naming_the_missing_manifest(site: Path) -> None:
    result = run(site, "report")
    assert result.exit_code == 2
    assert "no release" in result.stderr and "manifest.json" in result.stderr
    assert not (site / "report.html").exists()


def test_build_with_report_writes_the_page_and_report_writes_the_same_bytes_again(
    site: Path, tmp_path: Path
) -> None:
    result = run(site, "build", "--report", str(tmp_path / "built.html"))
    assert result.exit_code == 0, result.stderr
    assert f"report {tmp_path / 'built.html'}" in result.output
    again = run(site, "report", "-o", str(tmp_path / "again.html"))
    assert again.exit_code == 0, again.stderr
    page = (tmp_path / "built.html").read_bytes()
    assert page == (tmp_path / "again.html").read_bytes()
    manifest = load(site / "build/static/manifest.json")
    assert {row["logical_path"] for row in embedded(page)["assets"]} == set(manifest.assets)


def test_build_json_names_the_report_it_wrote(site: Path, tmp_path: Path) -> None:
    result = run(site, "build", "--json", "--report", str(tmp_path / "out/report.html"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.output)["report"] == {"path": str(tmp_path / "out/report.html")}
    assert (tmp_path / "out/report.html").is_file()  # its directory made, as build/ is


def test_the_same_release_built_in_two_places_gives_the_same_report_bytes(tmp_path: Path) -> None:
    first = copy_site(tmp_path / "one/site")
    second = copy_site(tmp_path / "two/elsewhere/checkout")
    for path in second.rglob("*"):
        os.utime(path, (1_234_567_890, 1_234_567_890))
    built(first, "--report", str(tmp_path / "one.html"))
    built(second, "--report", str(tmp_path / "two.html"), "--jobs", "1")
    page = (tmp_path / "one.html").read_bytes()
    assert page == (tmp_path / "two.html").read_bytes()
    assert str(tmp_path).encode() not in page  # nothing of the machine


def test_a_report_inside_the_release_directory_is_refused_before_building(site: Path) -> None:
    result = run(site, "build", "--report", "build/static/report.html")
    assert result.exit_code == 2
    assert "inside the release directory" in result.stderr
    assert not (site / "build/static/manifest.json").exists()


def test_report_from_a_manifest_alone_lists_every_asset_but_measures_no_inputs(
    site: Path, tmp_path: Path
) -> None:
    release = built(site)
    result = run(tmp_path, "report", "--manifest", str(release), "-o", "alone.html")
    assert result.exit_code == 0, result.stderr
    data = embedded((tmp_path / "alone.html").read_bytes())
    assert data["budgets"] is None
    assert all(row["parts"] == [] for row in data["assets"])
    assert any("not measured" in note for note in data["notes"])


def test_report_refuses_both_manifest_and_config(site: Path) -> None:
    result = run(site, "report", "--manifest", "build/static", "--config", "assetbuild.toml")
    assert result.exit_code == 2


# --- the data --------------------------------------------------------------------------------


def test_each_bundle_input_is_measured_after_the_bundle_s_filter(site: Path) -> None:
    built(site)
    app = rows(report_of(site))["css/app.css"]
    parts = {part["logical_path"]: part for part in app["parts"]}
    assert list(parts) == ["css/reset.css", "css/site.css"]
    for name, part in parts.items():
        raw = (site / "static" / name).read_bytes()
        minified = rcssmin.cssmin(raw.decode(), keep_bang_comments=True).encode()
        assert part["measured"] == "filtered"
        assert part["sizes"] == {
            "raw": len(raw),
            "minified": len(minified),
            "gzip": len(compress.gzip_bytes(minified)),
            "br": len(compress.brotli_bytes(minified)),
        }
    assert app["sizes"]["raw"] == sum(p["sizes"]["raw"] for p in parts.values())


def test_an_input_of_a_bundle_with_other_filters_is_measured_by_its_raw_bytes(
    tmp_path: Path,
) -> None:
    # webassets' cssmin may need more than one input's text (any filter but assetbuild's own
    # might), so each input's share is its raw bytes.
    site = write(
        tmp_path / "site",
        {
            "assetbuild.toml": 'source = "static"\noutput = "build/static"\n'
            '[bundles."css/all.css"]\ninputs = ["css/*.css"]\nfilters = ["cssmin"]\n',
            "static/css/a.css": "a {   color: red;   }  /* a comment */\n",
            "static/css/b.css": "b { color: blue; }\n",
        },
    )
    built(site)
    parts = rows(report_of(site))["css/all.css"]["parts"]
    assert [(p["logical_path"], p["measured"], p["sizes"]["minified"]) for p in parts] == [
        ("css/a.css", "raw", 39),
        ("css/b.css", "raw", 19),
    ]


def test_sizes_come_from_the_variants_and_compressed_formats_are_served_as_they_are(
    site: Path,
) -> None:
    release = built(site)
    manifest = load(release / "manifest.json")
    report = rows(report_of(site))
    css = report["css/app.css"]
    entry = manifest.assets["css/app.css"]
    assert css["sizes"]["gzip"] == (release / entry.encodings["gzip"]).stat().st_size
    assert css["origins"] == {"gzip": "variant", "br": "variant"}
    logo = report["img/logo.png"]
    assert logo["origins"] == {"gzip": "as is", "br": "as is"}
    assert logo["sizes"]["br"] == manifest.assets["img/logo.png"].size


def test_references_are_read_from_the_release_and_referenced_by_is_their_inverse(
    site: Path,
) -> None:
    built(site)
    report = rows(report_of(site))
    assert {"img/bg.png", "fonts/dejavu-sans.woff2"} <= set(report["css/app.css"]["references"])
    assert "css/app.css" in report["img/bg.png"]["referenced_by"]
    assert report["js/standalone.js"]["references"] == ["js/standalone.js.map"]
    for name, row in report.items():
        for target in row["references"]:
            assert name in report[target]["referenced_by"]


def test_the_change_names_the_asset_changed_since_the_previous_build(site: Path) -> None:
    before = load(built(site) / "manifest.json")
    with (site / "static/css/theme.css").open("a", encoding="utf-8") as handle:
        handle.write(".added { color: blue; }\n")
    built(site)
    built(site)  # a rebuild that changes nothing is no build to compare with
    report = report_of(site)
    assert report.compared == "history"
    changed = {change.logical_path: change for change in report.changes}
    # print.css @imports theme.css, and the bundle app.css inlines it (through site.css).
    assert set(changed) == {"css/theme.css", "css/print.css", "css/app.css"}
    theme = changed["css/theme.css"]
    assert theme.kind == "grown"
    assert theme.before == before.assets["css/theme.css"].size
    assert theme.after is not None and theme.after > theme.before
    assert report.unchanged == len(before.assets) - 3


def test_against_compares_with_the_manifest_given(site: Path, tmp_path: Path) -> None:
    release = built(site)
    shutil.copy(release / "manifest.json", tmp_path / "old.json")
    (site / "static/css/extra.css").write_text("p { margin: 0; }\n", encoding="utf-8")
    (site / "static/fonts/LICENSE.txt").unlink()
    (site / "static/css/print.css").write_text("p { color: red; }\n", encoding="utf-8")
    built(site)
    report = report_of(site, against=tmp_path / "old.json")
    assert report.compared == "against"
    kinds = {change.logical_path: change.kind for change in report.changes}
    assert kinds["css/extra.css"] == "added"
    assert kinds["fonts/LICENSE.txt"] == "removed"
    assert kinds["css/print.css"] == "shrunk"


def test_a_missing_against_manifest_is_bad_usage(site: Path) -> None:
    built(site)
    result = run(site, "report", "--against", "nowhere/manifest.json")
    assert result.exit_code == 2
    assert "--against" in result.stderr


def test_every_budget_is_shown_measured_as_the_build_measures_it(site: Path) -> None:
    with (site / "assetbuild.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[budgets]\n"css/app.css" = { size = "2 kB", br = "400 B" }\n')
    release = built(site)
    report = report_of(site)
    assert report.budgets is not None
    data = (release / load(release / "manifest.json").assets["css/app.css"].path).read_bytes()
    actual = measure(data, Budget(size=2000, br=400))
    assert [(b.logical_path, b.measure, b.limit, b.actual) for b in report.budgets] == [
        ("css/app.css", "size", 2000, actual["size"]),
        ("css/app.css", "br", 400, actual["br"]),
    ]


def test_no_name_can_break_out_of_the_embedded_data(tmp_path: Path) -> None:
    site = hostile_site(tmp_path)
    built(site)
    page = render(report_of(site)).decode()
    data = page[page.index('id="report-data">') :]
    data = data[: data.index("</script>")]
    assert "<" not in data.removeprefix('id="report-data">') and "&" not in data
    assert "<img" not in page and "onerror" not in page.replace("onerror=alert(1)", "")
    names = {row["logical_path"] for row in embedded(page.encode())["assets"]}
    assert HOSTILE in names and "</script><script>alert(2)</script>.css" in names


def test_gather_without_a_previous_build_compares_nothing(site: Path) -> None:
    release = built(site)
    report = gather(load(release / "manifest.json"), release, previous=None, compared="none")
    assert report.changes == () and report.budgets is None


# --- the page, in a browser ------------------------------------------------------------------


def hostile_site(tmp_path: Path) -> Path:
    """A site whose files have names made to break out of HTML, in a bundle and on their own."""
    return write(
        tmp_path / "hostile",
        {
            "assetbuild.toml": 'source = "static"\noutput = "build/static"\n'
            '[bundles]\n"css/all.css" = ["css/*.css"]\n',
            f"static/{HOSTILE}": "a { color: red; }\n",
            f"static/{HOSTILE_DIRECTORY}/script>.css": "b { color: blue; }\n",
            f"static/{HOSTILE_INPUT}": "c { color: green; }\n",
            "static/css/z.css": "d { color: black; }\n",
        },
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Opened:
    page: Page
    path: Path
    url: str
    requested: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built, changed, built again with a budget, and its report written."""
    site = copy_site(tmp_path_factory.mktemp("report") / "site")
    built(site)
    with (site / "static/css/site.css").open("a", encoding="utf-8") as handle:
        handle.write(".more { color: blue; }\n")
    with (site / "assetbuild.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[budgets]\n"css/app.css" = { gzip = "500 B" }\n')
    built(site, "--report", str(site.parent / "report.html"))
    return site


@contextmanager
def open_page(browser: Browser, path: Path) -> Iterator[Opened]:
    """The page at ``path`` opened from disk, with every request, dialog and error recorded."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        opened = Opened(page, path, path.as_uri())
        page.on("request", lambda request: opened.requested.append(request.url))

        def dialog(shown: Dialog) -> None:
            opened.dialogs.append(shown.message)
            shown.dismiss()

        page.on("dialog", dialog)
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.on(
            "console",
            lambda message: opened.errors.append(message.text) if message.type == "error" else None,
        )
        page.goto(opened.url, wait_until="load")
        yield opened
    finally:
        context.close()


@pytest.fixture
def opened(browser: Browser, two_builds: Path) -> Iterator[Opened]:
    with open_page(browser, two_builds.parent / "report.html") as page:
        yield page


def areas(page: Page) -> dict[str, float]:
    found: dict[str, float] = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('.cell'), (c) => {
            const r = c.getBoundingClientRect();
            return [c.dataset.kind + ':' + c.dataset.name, r.width * r.height];
        }))"""
    )
    return found


@pytest.mark.browser
def test_the_page_opened_from_disk_requests_nothing_but_itself(opened: Opened) -> None:
    opened.page.locator("#assets th[data-key=gzip] button").click()
    opened.page.locator(".toolbar button[data-mode=br]").click()
    assert opened.requested == [opened.url]
    assert opened.errors == []


@pytest.mark.browser
def test_the_treemap_has_a_cell_per_asset_and_per_bundle_input(
    opened: Opened, two_builds: Path
) -> None:
    manifest = load(two_builds / "build/static/manifest.json")
    page = opened.page
    assets = page.eval_on_selector_all(
        ".cell[data-kind=asset]", "cs => cs.map(c => c.dataset.name)"
    )
    inputs = page.eval_on_selector_all(
        ".cell[data-kind=input]", "cs => cs.map(c => c.dataset.bundle + ' > ' + c.dataset.name)"
    )
    assert sorted(assets) == sorted(manifest.assets)
    assert sorted(inputs) == sorted(
        f"{name} > {source}"
        for name, entry in manifest.assets.items()
        for source in entry.sources or ()
    )
    assert all(area > 0 for area in areas(page).values())


@pytest.mark.browser
def test_a_size_toggle_changes_the_cells_areas(opened: Opened) -> None:
    page = opened.page
    minified = areas(page)
    page.locator(".toolbar button[data-mode=gzip]").click()
    gzipped = areas(page)
    assert page.locator(".toolbar button[data-mode=gzip]").get_attribute("aria-pressed") == "true"
    assert minified.keys() == gzipped.keys()
    # The fonts are served as they are, the text shrinks under gzip: the fonts' cells grow.
    assert gzipped["asset:fonts/dejavu-sans.woff2"] > minified["asset:fonts/dejavu-sans.woff2"]
    assert gzipped["asset:css/app.css"] < minified["asset:css/app.css"]
    page.locator(".toolbar button[data-mode=raw]").click()
    raw = areas(page)
    assert raw["asset:css/app.css"] > minified["asset:css/app.css"]  # its inputs, unminified


@pytest.mark.browser
def test_the_asset_table_sorts_by_the_column_clicked(opened: Opened) -> None:
    page = opened.page

    def column(key: str) -> list[str]:
        names: list[str] = page.eval_on_selector_all(
            "#assets tbody tr", "rows => rows.map(r => r.dataset.name)"
        )
        return names

    data = {row["logical_path"]: row for row in embedded(opened.path.read_bytes())["assets"]}
    assert column("name") == sorted(data)
    header = page.locator("#assets th[data-key=gzip]")
    header.locator("button").click()
    descending = column("gzip")
    assert header.get_attribute("aria-sort") == "descending"
    sizes = [data[name]["sizes"]["gzip"] for name in descending]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]
    header.locator("button").click()
    ascending = [data[name]["sizes"]["gzip"] for name in column("gzip")]
    assert ascending == sorted(ascending)


@pytest.mark.browser
def test_the_change_and_the_budget_are_on_the_page(opened: Opened) -> None:
    change = opened.page.locator("#change-table tbody tr").all_inner_texts()
    assert len(change) == 1 and change[0].startswith("css/app.css\tgrown")
    budget = opened.page.locator("#budget-table tbody tr").inner_text()
    assert budget.startswith("css/app.css\tgzip\t500 B")
    assert budget.endswith("%")


@pytest.mark.browser
def test_hostile_file_names_are_shown_as_text_and_create_no_element(
    browser: Browser, tmp_path: Path
) -> None:
    site = hostile_site(tmp_path)
    built(site, "--report", str(tmp_path / "report.html"))
    with open_page(browser, tmp_path / "report.html") as opened:
        page = opened.page
        page.locator(".cell[data-kind=input]").first.hover()
        page.locator(".cell[data-kind=input]").last.hover()
        assert page.locator("img, b").count() == 0
        assert page.evaluate("document.scripts.length") == 2  # the data and the page's own
        names = page.eval_on_selector_all(
            "#assets tbody tr td:first-child .name", "cells => cells.map(c => c.textContent)"
        )
        assert HOSTILE in names and "</script><script>alert(2)</script>.css" in names
        cells = page.eval_on_selector_all(".cell", "cs => cs.map(c => c.dataset.name)")
        assert HOSTILE_INPUT in cells
        assert opened.dialogs == [] and opened.errors == []
        assert opened.requested == [opened.url]
