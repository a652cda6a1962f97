"""The CSS reference scanner, rewriter and prelude reader (assetbuild.compiler.scan.css).

Table-driven cases for every form the contract names, then properties over arbitrary text: the
scanner never raises, an identity rewrite gives the text back byte for byte, offsets are
consistent, and the scan agrees with a slow, literal transcription of the CSS Syntax Level 3
tokenizer kept in this file as an oracle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetbuild.compiler.scan.css import ImportRule, Prelude, prelude, rewrite, scan


def found(text: str) -> list[tuple[str, str]]:
    """What a reader cares about first: each reference's kind and URL, in order."""
    return [(r.kind, r.url) for r in scan(text)]


# --- The forms the scanner must read -------------------------------------------------------------

SCAN_CASES = [
    pytest.param("a{b:url(a.png)}", [("url", "a.png")], id="unquoted"),
    pytest.param("a{b:url('a.png')}", [("url", "a.png")], id="single-quoted"),
    pytest.param('a{b:url("a.png")}', [("url", "a.png")], id="double-quoted"),
    pytest.param("a{b:url(  a.png  )}", [("url", "a.png")], id="unquoted-with-spaces"),
    pytest.param("a{b:url( 'a.png' )}", [("url", "a.png")], id="quoted-with-spaces"),
    pytest.param("a{b:url(\n  a.png\n)}", [("url", "a.png")], id="newlines-around-unquoted"),
    pytest.param('a{b:url(\r\n  "a.png"\r\n)}', [("url", "a.png")], id="newlines-around-quoted"),
    pytest.param("a{b:URL(a.png)}", [("url", "a.png")], id="name-is-case-insensitive"),
    pytest.param("a{b:url(a\\ b.png)}", [("url", "a b.png")], id="escaped-space"),
    pytest.param('a{b:url("a\\"b.png")}', [("url", 'a"b.png')], id="escaped-quote-in-string"),
    pytest.param("a{b:url(\\61 .png)}", [("url", "a.png")], id="hex-escape-eats-one-space"),
    pytest.param('a{b:url("\\61\n.png")}', [("url", "a.png")], id="hex-escape-eats-a-newline"),
    pytest.param("a{b:u\\72l(x.png)}", [("url", "x.png")], id="function-name-with-escape"),
    pytest.param("a{b:url(a%20b.png)}", [("url", "a%20b.png")], id="percent-escapes-are-kept"),
    pytest.param("/* url(x.png) */", [], id="in-a-comment"),
    pytest.param('a{content:"url(x.png)"}', [], id="in-a-string"),
    pytest.param("a{b:foourl(x.png)}", [], id="longer-function-name"),
    pytest.param("a{b:--my-url(x.png)}", [], id="custom-ident-ending-in-url"),
    pytest.param("a{b:-url(x.png)}", [], id="dash-prefixed-name"),
    pytest.param("a{b:1url(x.png)}", [], id="dimension-with-unit-url"),
    pytest.param("#url(x.png){}", [], id="hash-token"),
    pytest.param("@url(x.png);", [], id="at-keyword"),
    pytest.param("a{b:\\75rl(x.png)}", [("url", "x.png")], id="escape-at-name-start"),
    pytest.param("a{b:\\61url(x.png)}", [], id="escape-makes-longer-name"),
    pytest.param("<!--url(x.png)", [("url", "x.png")], id="after-a-cdo"),
    pytest.param("<!--u\\72l(x.png)", [("url", "x.png")], id="escaped-name-after-a-cdo"),
    pytest.param("\\<!--url(x.png)", [], id="an-escaped-less-than-is-no-cdo"),
    pytest.param("\\<!--u\\72l(x.png)", [], id="an-escaped-less-than-before-escapes"),
    pytest.param("a{b:url(//example.com/*)}", [("url", "//example.com/*")], id="slash-star-in-url"),
    pytest.param("a{b:url(a.png)/* url(b.png) */}", [("url", "a.png")], id="comment-after-url"),
    pytest.param('@import "x.css";', [("import", "x.css")], id="import-string"),
    pytest.param("@import 'x.css' screen;", [("import", "x.css")], id="import-with-media"),
    pytest.param("@import url(x.css) print;", [("import", "x.css")], id="import-url"),
    pytest.param(
        '@import url("x.css") layer(base) supports(display:grid) screen and (min-width: 1px);',
        [("import", "x.css")],
        id="import-with-layer-supports-media",
    ),
    pytest.param('@IMPORT "x.css";', [("import", "x.css")], id="import-is-case-insensitive"),
    pytest.param('@import/* c */"x.css";', [("import", "x.css")], id="import-after-comment"),
    pytest.param('@imports "x.css";', [], id="longer-at-keyword"),
    pytest.param(
        'a{b:image-set("a.png" 1x, "b.png" 2x)}',
        [("image-set", "a.png"), ("image-set", "b.png")],
        id="image-set-strings",
    ),
    pytest.param(
        'a{b:-webkit-image-set(url(a.png) 1x, "b.png" 2x)}',
        [("url", "a.png"), ("image-set", "b.png")],
        id="webkit-image-set-mixed",
    ),
    pytest.param(
        'a{b:image-set("a.avif" type("image/avif"), "a.jpg" type("image/jpeg"))}',
        [("image-set", "a.avif"), ("image-set", "a.jpg")],
        id="image-set-type-strings-are-not-urls",
    ),
    pytest.param(
        'a{b:image-set(\n  "a.png" 1x,\n  url("b.png") 2x\n)}',
        [("image-set", "a.png"), ("url", "b.png")],
        id="image-set-across-lines",
    ),
    pytest.param(
        'a{b:image-set("a.png" 1x)} c{content:"d.png"}',
        [("image-set", "a.png")],
        id="strings-after-image-set-are-not-urls",
    ),
    pytest.param(
        "a{b:image-set(url('a.png\n) 1x, 'b.png' 2x)}",
        [("image-set", "b.png")],
        id="bad-string-in-url-inside-image-set",
    ),
    pytest.param('@font-face{src:src("font.woff2")}', [("src", "font.woff2")], id="src-function"),
    pytest.param("@font-face{src:url(font.woff)}", [("url", "font.woff")], id="src-property"),
    pytest.param("a{b:url(font.eot?#iefix)}", [("url", "font.eot?#iefix")], id="query-fragment"),
    pytest.param("a{b:url(a.svg#frag)}", [("url", "a.svg#frag")], id="fragment"),
    pytest.param(
        "a{b:url(data:image/png;base64,iVBORw0KGgo=)}",
        [("url", "data:image/png;base64,iVBORw0KGgo=")],
        id="data-uri-is-reported",
    ),
    pytest.param("a{b:url(#id)}", [("url", "#id")], id="fragment-only"),
    pytest.param("a{b:url()}", [("url", "")], id="empty-url"),
    pytest.param(
        "a{}\n/*# sourceMappingURL=app.css.map */\n",
        [("sourcemap", "app.css.map")],
        id="sourcemap",
    ),
    pytest.param("/*@ sourceMappingURL=app.css.map*/", [("sourcemap", "app.css.map")], id="legacy"),
    pytest.param(
        "/*# sourceMappingURL=a.map */ a{} /*# sourceMappingURL=b.map */",
        [("sourcemap", "a.map"), ("sourcemap", "b.map")],
        id="sourcemap-anywhere",
    ),
    pytest.param('a{content:"/*# sourceMappingURL=a.map */"}', [], id="sourcemap-in-string"),
    pytest.param("/* sourceMappingURL=a.map */", [], id="comment-without-marker"),
    pytest.param('a{content:"abc', [], id="unterminated-string"),
    pytest.param("a{b:c} /* url(x.png)", [], id="unterminated-comment"),
    pytest.param("a{b:url(a.png", [("url", "a.png")], id="url-cut-off-by-eof-is-still-a-url"),
    pytest.param('a{b:url("a.png', [("url", "a.png")], id="string-cut-off-by-eof"),
    pytest.param("a{b:url(a b.png)} c{d:url(e.png)}", [("url", "e.png")], id="bad-url-space"),
    pytest.param('a{b:url(a"b.png)} c{d:url(e.png)}', [("url", "e.png")], id="bad-url-quote"),
    pytest.param("a{b:url(a(b.png)}", [], id="bad-url-paren"),
    pytest.param("a{b:url(a\\)b.png c)} d{e:url(f.png)}", [("url", "f.png")], id="bad-url-escape"),
    pytest.param('a{b:url("a.png\n)} c{d:url(e.png)}', [("url", "e.png")], id="bad-string"),
]


@pytest.mark.parametrize(("text", "expected"), SCAN_CASES)
def test_the_scanner_finds_exactly_these_references(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(text) == expected


def test_an_unquoted_url_reports_its_value_and_whole_token() -> None:
    text = "a{b:url(  a.png  )}"
    (ref,) = scan(text)
    assert text[ref.start : ref.end] == "a.png"
    assert text[ref.token_start : ref.token_end] == "url(  a.png  )"
    assert ref.quote == ""


def test_a_quoted_url_reports_the_inside_of_the_quotes_and_the_whole_function() -> None:
    text = "a{b:url( 'a.png' )}"
    (ref,) = scan(text)
    assert text[ref.start : ref.end] == "a.png"
    assert text[ref.token_start : ref.token_end] == "url( 'a.png' )"
    assert ref.quote == "'"


def test_an_import_string_is_its_own_token() -> None:
    text = '@import "x.css" screen;'
    (ref,) = scan(text)
    assert text[ref.token_start : ref.token_end] == '"x.css"'
    assert (ref.kind, ref.quote) == ("import", '"')


def test_a_sourcemap_token_is_the_whole_comment() -> None:
    text = "a{}\n/*# sourceMappingURL=app.css.map */\n"
    (ref,) = scan(text)
    assert text[ref.token_start : ref.token_end] == "/*# sourceMappingURL=app.css.map */"
    assert text[ref.start : ref.end] == "app.css.map"


def test_the_value_as_written_keeps_its_escapes() -> None:
    text = "a{b:url(\\61 .png)}"
    (ref,) = scan(text)
    assert ref.url == "a.png"
    assert text[ref.start : ref.end] == "\\61 .png"


POSITION_CASES = [
    pytest.param("url(a.png)", (1, 5), id="first-line"),
    pytest.param("a{}\nb{c:url(a.png)}", (2, 9), id="after-lf"),
    pytest.param("a{}\r\nb{}\r\nc{d:url(a.png)}", (3, 9), id="after-crlf"),
    pytest.param("a{}\rb{c:url(a.png)}", (2, 9), id="after-lone-cr"),
    pytest.param("/* é — ü */ a{b:url(a.png)}", (1, 21), id="multibyte-counts-characters"),
    pytest.param("a{b:url(\n\n  a.png)}", (3, 3), id="inside-the-token"),
    pytest.param("😀{b:url(a.png)}", (1, 9), id="astral-character-is-one-column"),
]


@pytest.mark.parametrize(("text", "expected"), POSITION_CASES)
def test_line_and_column_are_one_based_and_count_characters(
    text: str, expected: tuple[int, int]
) -> None:
    (ref,) = scan(text)
    assert (ref.line, ref.column) == expected


def test_line_and_column_stay_right_over_many_references() -> None:
    text = "".join(f"a{i}{{b:url(x{i}.png)}}\r\n" for i in range(50))
    for i, ref in enumerate(scan(text)):
        assert (ref.line, ref.column) == (i + 1, len(f"a{i}{{b:url(") + 1)


def test_references_are_hashable_values() -> None:
    text = "a{b:url(a.png)}"
    assert scan(text)[0] == scan(text)[0]
    assert len({scan(text)[0], scan(text)[0]}) == 1


# --- Rewriting -----------------------------------------------------------------------------------

REWRITE_CASES = [
    pytest.param("a{b:url(a.png)}", "../img/a%20b.3f2a9c1b7e0d.png?#iefix", id="unquoted-plain"),
    pytest.param("a{b:url(a.png)}", "a b (1) 'x' \"y\" \\z\t.png", id="unquoted-hostile"),
    pytest.param("a{b:url(a.png)}", "a\nb\rc\fd\x0be\x7f", id="unquoted-control-chars"),
    pytest.param('a{b:url("a.png")}', "a b (1) 'x' \"y\" \\z.png", id="double-quoted-hostile"),
    pytest.param("a{b:url('a.png')}", "a b (1) 'x' \"y\" \\z.png", id="single-quoted-hostile"),
    pytest.param('a{b:url("a.png")}', "line\nbreak\r\nand\fff", id="quoted-newlines"),
    pytest.param('@import "x.css" screen;', "x.0123456789ab.css", id="import-string"),
    pytest.param("@import url(x.css);", "x y.css", id="import-url"),
    pytest.param('a{b:image-set("a.png" 1x)}', 'a"1.png', id="image-set-string"),
    pytest.param('a{src:src("a.woff2")}', "a'.woff2", id="src-string"),
    pytest.param("a{b:url(\\61 .png)}", "b.png", id="replaces-escaped-value"),
    pytest.param("a{b:url(x.png)}", "1.png", id="starts-with-a-digit"),
    pytest.param("a{b:url(x.png)}", "", id="to-empty"),
]


@pytest.mark.parametrize(("text", "new_url"), REWRITE_CASES)
def test_a_rewritten_url_reads_back_as_the_same_url(text: str, new_url: str) -> None:
    (ref,) = scan(text)
    rewritten = rewrite(text, {ref: new_url})
    (again,) = scan(rewritten)
    assert (again.kind, again.url, again.quote) == (ref.kind, new_url, ref.quote)
    assert rewritten[: ref.start] == text[: ref.start]
    assert rewritten[again.end :] == text[ref.end :]


def test_an_unquoted_url_escapes_what_would_end_it() -> None:
    text = "a{b:url(a.png)}"
    (ref,) = scan(text)
    assert rewrite(text, {ref: "a b(1)'.png"}) == "a{b:url(a\\20 b\\(1\\)\\'.png)}"


def test_a_quoted_url_escapes_its_quote_backslash_newlines_and_spaces() -> None:
    # Spaces need no escape in a string, but rcssmin would squeeze them out of url("a b").
    text = 'a{b:url("a.png")}'
    (ref,) = scan(text)
    assert rewrite(text, {ref: 'a "b"\\c\nd'}) == 'a{b:url("a\\20 \\"b\\"\\\\c\\a d")}'


def test_a_sourcemap_url_is_rewritten_in_place() -> None:
    text = "a{}\n/*# sourceMappingURL=app.css.map */\n"
    (ref,) = scan(text)
    assert rewrite(text, {ref: "app.0123456789ab.css.map"}) == (
        "a{}\n/*# sourceMappingURL=app.0123456789ab.css.map */\n"
    )


def test_a_sourcemap_url_cannot_end_its_comment() -> None:
    text = "/*# sourceMappingURL=a.map */ a{b:url(c.png)}"
    (ref, _) = scan(text)
    rewritten = rewrite(text, {ref: "x*/y z.map"})
    assert found(rewritten) == [("sourcemap", "x%2A/y%20z.map"), ("url", "c.png")]


def test_dropping_a_sourcemap_removes_the_whole_comment() -> None:
    text = "a{b:c}\n/*# sourceMappingURL=app.css.map */\n"
    (ref,) = scan(text)
    assert rewrite(text, {ref: None}) == "a{b:c}\n\n"


def test_dropping_any_other_reference_is_a_caller_bug() -> None:
    text = "a{b:url(a.png)}"
    (ref,) = scan(text)
    with pytest.raises(ValueError, match="only a sourcemap"):
        rewrite(text, {ref: None})


def test_a_reference_from_another_text_is_refused() -> None:
    (ref,) = scan("a{b:url(a-very-long-name.png)}")
    with pytest.raises(ValueError, match="does not fit"):
        rewrite("url(a)", {ref: "b"})


def test_references_left_out_of_the_mapping_are_untouched() -> None:
    text = "a{b:url(a.png)} c{d:url(b.png)}"
    first, _ = scan(text)
    assert rewrite(text, {first: "x.png"}) == "a{b:url(x.png)} c{d:url(b.png)}"


def test_mapping_a_reference_to_its_own_url_keeps_it_as_written() -> None:
    text = "a{b:url( \\61 .png )} c{d:url('a\\\n.png')}"
    assert rewrite(text, {r: r.url for r in scan(text)}) == text


# --- The prelude ---------------------------------------------------------------------------------


def import_urls(result: Prelude) -> list[str]:
    return [rule.reference.url for rule in result.imports]


def test_the_prelude_of_a_stylesheet_with_charset_layers_and_imports() -> None:
    text = (
        '@charset "utf-8";\n'
        "/* a comment */\n"
        "@layer reset, base;\n"
        '@import "reset.css" layer(reset);\n'
        "/* between */\n"
        "@import url(print.css) print;\n"
        ":root{--x:1}\n"
        '@import "too-late.css";\n'
    )
    result = prelude(text)
    assert result.charset == "utf-8"
    assert result.charset_end == len('@charset "utf-8";')
    assert import_urls(result) == ["reset.css", "print.css"]
    assert [rule.condition for rule in result.imports] == ["layer(reset)", "print"]
    assert text[result.imports[0].start : result.imports[0].end] == (
        '@import "reset.css" layer(reset);'
    )
    assert text[result.body_start :].startswith(":root{")


def test_an_import_rule_carries_the_same_reference_as_the_scan() -> None:
    text = '@import url("x.css") layer(base) supports(display:grid) screen and (min-width: 1px);'
    (rule,) = prelude(text).imports
    assert rule == ImportRule(
        start=0,
        end=len(text),
        reference=scan(text)[0],
        condition="layer(base) supports(display:grid) screen and (min-width: 1px)",
    )


PRELUDE_CASES = [
    pytest.param("", (None, [], ""), id="empty"),
    pytest.param("a{}", (None, [], "a{}"), id="no-prelude"),
    pytest.param('@import "a.css";', (None, ["a.css"], ""), id="import-only"),
    pytest.param('@import "a.css"', (None, ["a.css"], ""), id="import-cut-off-by-eof"),
    pytest.param('a{}\n@import "a.css";', (None, [], 'a{}\n@import "a.css";'), id="after-a-rule"),
    pytest.param(
        '@media x{}@import "a.css";', (None, [], '@media x{}@import "a.css";'), id="media"
    ),
    pytest.param(
        '@layer a{}@import "a.css";', (None, [], '@layer a{}@import "a.css";'), id="layer"
    ),
    pytest.param('@layer a;@import "a.css";\nb{}', (None, ["a.css"], "b{}"), id="layer-statement"),
    pytest.param('@CHARSET "x";@import "a.css";', (None, ["a.css"], ""), id="inexact-charset"),
    pytest.param(' @charset "x";a{}', (None, [], "a{}"), id="charset-not-at-start"),
    pytest.param('@charset "x";', ("x", [], ""), id="charset-only"),
    pytest.param(
        '@import "a" {}@import "b";', (None, [], '@import "a" {}@import "b";'), id="block"
    ),
    pytest.param("@import foo;a{}", (None, [], "@import foo;a{}"), id="import-without-url"),
    pytest.param('@import "a;b" supports(c:";");b{}', (None, ["a;b"], "b{}"), id="semicolons"),
    pytest.param("@import url(a;b.css);b{}", (None, ["a;b.css"], "b{}"), id="semicolon-in-url"),
    pytest.param('<!-- @import "a.css"; -->b{}', (None, ["a.css"], "b{}"), id="cdo-cdc"),
    pytest.param(":root{--x:1}", (None, [], ":root{--x:1}"), id="root-body"),
    pytest.param('/* a */\n:root{--x:"1"}', (None, [], ':root{--x:"1"}'), id="comment-then-body"),
]


@pytest.mark.parametrize(("text", "expected"), PRELUDE_CASES)
def test_the_prelude_is_read_as_a_browser_would(
    text: str, expected: tuple[str | None, list[str], str]
) -> None:
    result = prelude(text)
    body = text[result.body_start :]
    assert (result.charset, import_urls(result), body) == expected


def test_an_import_condition_loses_its_comments_but_not_its_strings() -> None:
    text = '@import "a.css" /* c */ supports(content:"/* x */") /**/screen;'
    (rule,) = prelude(text).imports
    assert rule.condition == 'supports(content:"/* x */")  screen'


# --- Properties ----------------------------------------------------------------------------------

# Pieces that, joined at random, reach the hard cases: tokens cut in two, escapes in names,
# brackets that do not match, strings and comments opened and never closed.
FRAGMENTS = [
    *("url(", "URL(", "u\\72 l(", "\\75rl(", "src(", "image-set(", "-webkit-image-set(", "type("),
    *("(", ")", "[", "]", "{", "}", ",", ";", ":", "#", "?", "@", "/", "*", "-", "--", "%20"),
    *('"', "'", "/*", "*/", "<!--", "-->", "\\", "\\\n", "\\61 ", "\\0", "\x0b", "\x00"),
    *(" ", "\n", "\r\n", "\r", "\f", "\t", "a", "b.png", "1x", "1", "e", "\u00e9", "\U0001f600"),
    *("@import", "@IMPORT", "@impor\\74", '@charset "x";', "@layer a;", "a.map"),
    *("/*# sourceMappingURL=", "/*@ sourceMappingURL="),
]
CSS_ALPHABET = "url()\"'/*\\ \n@import;image-set,#?ab"
css_ish = st.one_of(
    st.text(alphabet=CSS_ALPHABET, max_size=80),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
)
any_text = st.one_of(st.text(max_size=200), css_ish)


@given(any_text)
@settings(max_examples=500)
def test_scanning_never_raises(text: str) -> None:
    scan(text)
    prelude(text)


@given(any_text)
@settings(max_examples=500)
def test_rewriting_every_reference_to_its_own_url_gives_the_text_back(text: str) -> None:
    assert rewrite(text, {r: r.url for r in scan(text)}) == text


@given(any_text)
@settings(max_examples=500)
def test_offsets_are_consistent_sorted_and_do_not_overlap(text: str) -> None:
    previous_end = 0
    for ref in scan(text):
        assert previous_end <= ref.token_start <= ref.start <= ref.end <= ref.token_end
        assert ref.token_end <= len(text)
        previous_end = ref.token_end


@given(any_text)
@settings(max_examples=300)
def test_line_and_column_agree_with_counting_from_the_start(text: str) -> None:
    for ref in scan(text):
        lines = re.split(r"\r\n|\r|\n", text[: ref.start])
        assert (ref.line, ref.column) == (len(lines), len(lines[-1]) + 1)


@given(any_text)
@settings(max_examples=300)
def test_every_import_in_the_prelude_is_a_reference_the_scan_found(text: str) -> None:
    result = prelude(text)
    references = scan(text)
    assert result.charset_end <= result.body_start <= len(text)
    for rule in result.imports:
        assert rule.reference in references
        assert result.charset_end <= rule.start < rule.end <= result.body_start


@given(any_text, st.text(max_size=20))
@settings(max_examples=300)
def test_any_new_url_reads_back_the_same(text: str, new_url: str) -> None:
    # NUL cannot be written in CSS at all (it reads as U+FFFD), and a source map comment has no
    # escapes: both are left out of this round trip.
    new_url = new_url.replace("\x00", "")
    for ref in scan(text):
        if ref.kind == "sourcemap":
            continue
        rewritten = rewrite(text, {ref: new_url})
        again = [r for r in scan(rewritten) if r.token_start == ref.token_start]
        assert [(r.kind, r.url) for r in again] == [(ref.kind, new_url)]


@given(css_ish)
@settings(max_examples=1000)
def test_the_scan_agrees_with_a_literal_reading_of_the_spec(text: str) -> None:
    assert [
        (r.url, r.kind, r.start, r.end, r.token_start, r.token_end, r.quote) for r in scan(text)
    ] == oracle_references(text)


def test_scanning_a_large_stylesheet_is_linear() -> None:
    rule = '.c{background:url(img/a.png) no-repeat;content:"x";color:#fff}/* c */\n'
    text = rule * (2_000_000 // len(rule))
    assert len(text) >= 1_900_000
    assert len(scan(text)) == text.count("url(")


def test_pathological_inputs_scan_quickly() -> None:
    # Each of these once made a backtracking pattern quadratic or exponential.
    for text in [
        "url(" + " " * 100_000 + "a b)",
        "a" + "\\61" * 50_000 + "(",
        '"' + "\\616161" * 20_000,
        "/*" + "*" * 100_000,
        "url(" + "\\61" * 50_000 + " x",
        "image-set(" * 20_000,
        "@import" * 20_000,
    ]:
        scan(text)
        prelude(text)


# --- The oracle: CSS Syntax Level 3, section 4.3, transcribed literally -------------------------
#
# Slow and simple on purpose: a character loop that follows the spec's algorithms step by step,
# so that the fast scanner can be checked against it on random input.


@dataclass
class Token:
    type: str
    start: int
    end: int
    value: str = ""
    value_start: int = 0
    value_end: int = 0
    quote: str = ""
    closed: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def _is_name_start(c: str) -> bool:
    return (c.isascii() and (c.isalpha() or c == "_")) or not c.isascii() or c == "\x00"


def _is_name(c: str) -> bool:
    return _is_name_start(c) or c in "0123456789-"


class Tokenizer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def at(self, i: int) -> str:
        return self.text[i] if i < self.n else ""

    def newline_length(self, i: int) -> int:
        if self.text.startswith("\r\n", i):
            return 2
        return 1 if self.at(i) in ("\n", "\r", "\f") and i < self.n else 0

    def is_ws(self, i: int) -> bool:
        return i < self.n and self.text[i] in " \t\n\r\f"

    def valid_escape(self, i: int) -> bool:
        return self.at(i) == "\\" and (i + 1 >= self.n or self.newline_length(i + 1) == 0)

    def starts_ident(self, i: int) -> bool:
        c = self.at(i)
        if c == "-":
            nxt = self.at(i + 1)
            return (nxt != "" and (_is_name_start(nxt) or nxt == "-")) or self.valid_escape(i + 1)
        if c and _is_name_start(c):
            return True
        return c == "\\" and self.valid_escape(i)

    def starts_number(self, i: int) -> bool:
        c = self.at(i)
        if c in ("+", "-"):
            return self.at(i + 1).isdigit() or (self.at(i + 1) == "." and self.at(i + 2).isdigit())
        if c == ".":
            return self.at(i + 1).isdigit()
        return c != "" and c in "0123456789"

    def escape(self, i: int) -> tuple[str, int]:
        """Consume an escaped code point; ``i`` is just after the backslash."""
        if i >= self.n:
            return "\ufffd", i
        c = self.text[i]
        if c in "0123456789abcdefABCDEF":
            j = i
            while j < self.n and j - i < 6 and self.text[j] in "0123456789abcdefABCDEF":
                j += 1
            value = int(self.text[i:j], 16)
            if self.is_ws(j):
                j += self.newline_length(j) or 1
            if value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
                return "\ufffd", j
            return chr(value), j
        return c, i + 1

    def name(self, i: int) -> tuple[str, int]:
        value = ""
        while i < self.n:
            if _is_name(self.text[i]):
                value += self.text[i]
                i += 1
            elif self.valid_escape(i):
                c, i = self.escape(i + 1)
                value += c
            else:
                break
        return value, i

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        i = 0
        while i < self.n:
            token = self.token(i)
            out.append(token)
            i = token.end
        return out

    def token(self, i: int) -> Token:
        text, c = self.text, self.text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            return Token("comment", i, self.n if end < 0 else end + 2)
        if self.is_ws(i):
            j = i
            while self.is_ws(j):
                j += 1
            return Token("ws", i, j)
        if c in "\"'":
            return self.string(i)
        if c == "#":
            if _is_name(self.at(i + 1) or " ") or self.valid_escape(i + 1):
                return Token("hash", i, self.name(i + 1)[1])
            return Token("delim", i, i + 1, c)
        if c in "()[]{},:;":
            return Token(c, i, i + 1, c)
        if c in "+.":
            return self.numeric(i) if self.starts_number(i) else Token("delim", i, i + 1, c)
        if c == "-":
            if self.starts_number(i):
                return self.numeric(i)
            if text.startswith("-->", i):
                return Token("cdc", i, i + 3)
            if self.starts_ident(i):
                return self.ident_like(i)
            return Token("delim", i, i + 1, c)
        if c == "<":
            if text.startswith("<!--", i):
                return Token("cdo", i, i + 4)
            return Token("delim", i, i + 1, c)
        if c == "@":
            if self.starts_ident(i + 1):
                value, j = self.name(i + 1)
                return Token("at", i, j, value.translate(ASCII_LOWER))
            return Token("delim", i, i + 1, c)
        if c == "\\":
            if self.valid_escape(i):
                return self.ident_like(i)
            return Token("delim", i, i + 1, c)
        if c in "0123456789":
            return self.numeric(i)
        if _is_name_start(c):
            return self.ident_like(i)
        return Token("delim", i, i + 1, c)

    def numeric(self, i: int) -> Token:
        j = i
        if self.at(j) in ("+", "-") and self.at(j):
            j += 1
        while self.at(j).isdigit():
            j += 1
        if self.at(j) == "." and self.at(j + 1).isdigit():
            j += 1
            while self.at(j).isdigit():
                j += 1
        if (
            self.at(j) in ("e", "E")
            and self.at(j)
            and (
                self.at(j + 1).isdigit()
                or (self.at(j + 1) in ("+", "-") and self.at(j + 1) and self.at(j + 2).isdigit())
            )
        ):
            j += 2
            while self.at(j).isdigit():
                j += 1
        if self.starts_ident(j):
            j = self.name(j)[1]
        elif self.at(j) == "%":
            j += 1
        return Token("numeric", i, j)

    def string(self, i: int) -> Token:
        quote, j, value = self.text[i], i + 1, ""
        while True:
            if j >= self.n:
                return Token("string", i, j, value, i + 1, j, quote, closed=False)
            c = self.text[j]
            if c == quote:
                return Token("string", i, j + 1, value, i + 1, j, quote, closed=True)
            if self.newline_length(j):
                return Token("bad-string", i, j)
            if c == "\\":
                if j + 1 >= self.n:
                    j += 1
                elif self.newline_length(j + 1):
                    j += 1 + self.newline_length(j + 1)
                else:
                    decoded, j = self.escape(j + 1)
                    value += decoded
            else:
                value += c
                j += 1

    def ident_like(self, i: int) -> Token:
        value, j = self.name(i)
        lowered = value.translate(ASCII_LOWER)
        if lowered == "url" and self.at(j) == "(":
            k = j + 1
            while self.is_ws(k):
                k += 1
            if self.at(k) in ('"', "'") and self.at(k):
                return Token("function", i, j + 1, lowered)
            return self.url(i, j + 1)
        if self.at(j) == "(":
            return Token("function", i, j + 1, lowered)
        return Token("ident", i, j, lowered)

    def url(self, start: int, j: int) -> Token:
        while self.is_ws(j):
            j += 1
        value, value_start = "", j
        while True:
            if j >= self.n:
                return Token("url", start, j, value, value_start, j)
            c = self.text[j]
            if c == ")":
                return Token("url", start, j + 1, value, value_start, j)
            if self.is_ws(j):
                value_end = j
                while self.is_ws(j):
                    j += 1
                if j >= self.n:
                    return Token("url", start, j, value, value_start, value_end)
                if self.text[j] == ")":
                    return Token("url", start, j + 1, value, value_start, value_end)
                return self.bad_url(start, j)
            if c in "\"'(" or c in NON_PRINTABLE:
                return self.bad_url(start, j)
            if c == "\\":
                if not self.valid_escape(j):
                    return self.bad_url(start, j)
                decoded, j = self.escape(j + 1)
                value += decoded
            else:
                value += c
                j += 1

    def bad_url(self, start: int, j: int) -> Token:
        while j < self.n:
            if self.text[j] == ")":
                return Token("bad-url", start, j + 1)
            if self.valid_escape(j):
                j = self.escape(j + 1)[1]
            else:
                j += 1
        return Token("bad-url", start, j)


ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
NON_PRINTABLE = frozenset("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15")
NON_PRINTABLE |= frozenset("\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f")
SOURCEMAP = re.compile(r"[#@]\s*sourceMappingURL\s*=\s*((?:[^\s*]|\*(?!/))+)")
Row = tuple[str, str, int, int, int, int, str]


def oracle_references(text: str) -> list[Row]:
    """The references, derived from the oracle's tokens by the rules the contract states."""
    tokens = Tokenizer(text).tokens()
    rows: list[Row] = []
    stack: list[tuple[str, bool]] = []  # (closer, is the image-set function itself)
    claimed: set[int] = set()  # tokens already read as part of an @import

    def after(k: int, skip: tuple[str, ...]) -> int:
        while k < len(tokens) and tokens[k].type in skip:
            k += 1
        return k

    def quoted_url(k: int, kind: str) -> None:
        """Token ``k`` is a url( function: its string, if it comes first, is a reference."""
        s = after(k + 1, ("ws",))
        claimed.add(s)
        if s < len(tokens) and tokens[s].type == "string":
            string = tokens[s]
            close = after(s + 1, ("ws",))
            token_end = string.end
            if string.closed and close < len(tokens) and tokens[close].type == ")":
                token_end = tokens[close].end
            row = (string.value, kind, string.value_start, string.value_end)
            rows.append((*row, tokens[k].start, token_end, string.quote))

    for k, token in enumerate(tokens):
        in_image_set = any(is_image_set for _, is_image_set in stack)
        if token.type == "comment":
            match = SOURCEMAP.match(text, token.start + 2, token.end)
            if match:
                rows.append(
                    (match.group(1), "sourcemap", *match.span(1), token.start, token.end, "")
                )
        elif k in claimed:
            if token.type == "function":
                stack.append((")", False))
        elif token.type == "url":
            rows.append(
                (token.value, "url", token.value_start, token.value_end, token.start, token.end, "")
            )
        elif token.type == "string":
            if stack and stack[-1][1]:
                row = (token.value, "image-set", token.value_start, token.value_end)
                rows.append((*row, token.start, token.end, token.quote))
        elif token.type == "at" and token.value == "import" and not in_image_set:
            u = after(k + 1, ("ws", "comment"))  # comments between still count as source maps
            if u < len(tokens):
                target = tokens[u]
                if target.type == "string":
                    row = (target.value, "import", target.value_start, target.value_end)
                    rows.append((*row, target.start, target.end, target.quote))
                    claimed.add(u)
                elif target.type == "url":
                    row = (target.value, "import", target.value_start, target.value_end)
                    rows.append((*row, target.start, target.end, ""))
                    claimed.add(u)
                elif target.type == "function" and target.value == "url":
                    quoted_url(u, "import")
                    claimed.add(u)
                    stack.append((")", False))
        elif token.type == "function":
            if token.value == "url":
                quoted_url(k, "url")
            elif token.value == "src" and not in_image_set:
                s = after(k + 1, ("ws",))
                if s < len(tokens) and tokens[s].type == "string":
                    string = tokens[s]
                    row = (string.value, "src", string.value_start, string.value_end)
                    rows.append((*row, string.start, string.end, string.quote))
                    claimed.add(s)
            is_image_set = token.value in ("image-set", "-webkit-image-set") and not in_image_set
            stack.append((")", is_image_set))
        elif token.type in ("(", "[", "{"):
            stack.append(({"(": ")", "[": "]", "{": "}"}[token.type], False))
        elif token.type in (")", "]", "}") and stack and stack[-1][0] == token.type:
            stack.pop()
    rows.sort(key=lambda row: row[2])
    return rows


def test_the_oracle_reads_the_table_the_same_way() -> None:
    # The oracle is only worth trusting if it agrees on the cases written out above.
    for param in SCAN_CASES:
        text, expected = param.values
        assert [(row[1], row[0]) for row in oracle_references(str(text))] == expected, param.id
