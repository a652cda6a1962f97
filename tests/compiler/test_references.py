from __future__ import annotations

import pytest

from assetbuild.compiler.references import Resolver, relative_url

PUBLISHED = {
    "css/app.css",
    "img/logo.png",
    "img/a b.png",
    "fonts/icons.woff",
    "Logo.svg",
    "img/Photo.JPG",
}


def resolver(prefix: str = "/static/") -> Resolver:
    return Resolver(
        PUBLISHED,
        prefix,
        bundle_inputs={"css/reset.css": "css/app.css"},
        unpublished={"scss/x.scss"},
    )


@pytest.mark.parametrize(
    ("url", "target", "suffix"),
    [
        ("../img/logo.png", "img/logo.png", ""),
        ("./../img/./logo.png", "img/logo.png", ""),
        ("../img/a%20b.png", "img/a b.png", ""),
        ("../img/a b.png", "img/a b.png", ""),
        ("../fonts/icons.woff?#iefix", "fonts/icons.woff", "?#iefix"),
        ("../fonts/icons.woff?v=4.7#icons", "fonts/icons.woff", "?v=4.7#icons"),
        ("../img/logo.png#frag", "img/logo.png", "#frag"),
        ("/static/img/logo.png", "img/logo.png", ""),
        ("  ../img/logo.png  ", "img/logo.png", ""),
    ],
)
def test_a_local_reference_resolves_to_a_logical_path(url: str, target: str, suffix: str) -> None:
    resolution = resolver().resolve(url, "css/site.css")
    assert (resolution.target, resolution.suffix, resolution.miss) == (target, suffix, None)


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,AAAA",
        "DATA:image/png;base64,AAAA",
        "https://example.com/a.png",
        "http://example.com/a.png",
        "//cdn.example.com/a.png",
        "#icon",
        "",
        "about:blank",
        "/images/elsewhere.png",  # outside the url prefix: served by the app, not by the release
    ],
)
def test_a_reference_that_is_not_ours_is_left_alone(url: str) -> None:
    resolution = resolver().resolve(url, "css/site.css")
    assert not resolution.local


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("../../../../etc/passwd", "outside the source directories"),
        ("/static/../secret.txt", "outside the source directories"),
        ("../img/missing.png", "resolves to no file (looked for img/missing.png)"),
        ("../img/LOGO.png", "did you mean img/logo.png? (case differs)"),
        ("reset.css", "an input of bundle css/app.css"),
        ("../scss/x.scss", "'exclude' leaves out"),
        ("../img/", "names a directory"),
    ],
)
def test_a_miss_says_why(url: str, words: str) -> None:
    resolution = resolver().resolve(url, "css/site.css")
    assert resolution.target is None
    assert resolution.miss is not None and words in resolution.miss


def test_an_absolute_url_under_a_cdn_prefix_maps_by_its_path() -> None:
    resolution = resolver("https://cdn.example.com/assets/").resolve(
        "/assets/img/logo.png", "css/a.css"
    )
    assert resolution.target == "img/logo.png"


@pytest.mark.parametrize(
    ("source", "target", "suffix", "expected"),
    [
        ("css/app.css", "img/logo.0123456789ab.png", "", "../img/logo.0123456789ab.png"),
        ("css/app.css", "css/theme.0123456789ab.css", "", "theme.0123456789ab.css"),
        ("app.css", "img/logo.0123456789ab.png", "", "img/logo.0123456789ab.png"),
        ("css/app.css", "img/a b.0123456789ab.png", "", "../img/a%20b.0123456789ab.png"),
        (
            "css/app.css",
            "img/l'o\"g(o).0123456789ab.png",
            "?#x",
            "../img/l%27o%22g%28o%29.0123456789ab.png?#x",
        ),
        ("css/app.css", "img/été.0123456789ab.png", "", "../img/%C3%A9t%C3%A9.0123456789ab.png"),
    ],
)
def test_a_rewritten_url_is_relative_and_percent_encoded(
    source: str, target: str, suffix: str, expected: str
) -> None:
    assert relative_url(source, target, suffix) == expected


def test_a_reference_one_dot_dot_too_many_says_it_climbs_above_the_root_and_what_a_browser_asks() -> (
    None
):
    resolution = Resolver({"base/x.png"}, "/static/").resolve(
        "../../../base/x.png", "css/vendor/a.css"
    )
    assert resolution.target is None
    assert resolution.miss is not None
    assert resolution.miss.startswith(
        "climbs 1 level(s) above the release's root (css/vendor/a.css is 2 level(s) down): "
        "a browser would request /base/x.png (it stops '..' at the host's root), outside /static/"
    )


def test_climbing_far_above_the_host_is_clamped_at_its_root_in_the_message() -> None:
    miss = Resolver(set(), "/static/").resolve("../../../../../x.png?v=1", "a.css").miss
    assert miss is not None
    assert "climbs 5 level(s)" in miss and "would request /x.png " in miss
