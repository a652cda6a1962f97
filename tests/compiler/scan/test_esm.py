"""The ES module import scanner (assetbuild.compiler.scan.esm).

One table row per trap: an ``import`` hidden in a comment, a string, a template, a regular
expression, a division that a careless scanner reads as a regular expression (and the reverse),
a property or method named ``import``; each row gives every import found with its kind,
specifier, the text its span covers, line and column. Then properties over arbitrary text (the
scanner never raises, its offsets, lines and columns are consistent) and over generated modules
whose imports are known by construction, mixed with distractors.

The agreement with a real JavaScript parser on real packages is in test_esm_oracle.py.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assetbuild.compiler.scan import esm
from assetbuild.compiler.scan.esm import scan_imports
from assetbuild.compiler.scan.reference import ModuleImport

# kind, specifier, text[start:end], line, column
Found = tuple[str, str | None, str, int, int]


def found(text: str) -> list[Found]:
    return [
        (i.kind, i.specifier, text[i.start : i.end], i.line, i.column) for i in scan_imports(text)
    ]


def dyn(specifier: str, line: int, column: int) -> Found:
    return ("dynamic", specifier, specifier, line, column)


def static(specifier: str, line: int, column: int) -> Found:
    return ("static", specifier, specifier, line, column)


def export(specifier: str, line: int, column: int) -> Found:
    return ("export", specifier, specifier, line, column)


def unresolvable(argument: str, line: int, column: int) -> Found:
    return ("dynamic", None, argument, line, column)


CASES = [
    # --- The forms that are imports ---
    pytest.param('import x from "./a.js"', [static("./a.js", 1, 16)], id="default-import"),
    pytest.param("import {a, b as c} from './a.js'", [static("./a.js", 1, 26)], id="named-imports"),
    pytest.param('import * as ns from "./a.js"', [static("./a.js", 1, 22)], id="namespace"),
    pytest.param('import "./side.js"', [static("./side.js", 1, 9)], id="side-effect-import"),
    pytest.param(
        'import def, * as ns from "./a.js"', [static("./a.js", 1, 27)], id="default-and-namespace"
    ),
    pytest.param(
        'import def, {a} from "./a.js"', [static("./a.js", 1, 23)], id="default-and-named"
    ),
    pytest.param(
        'import {\n  a, // first\n  b as c, /* second */\n  "a-b" as d,\n} from "./multi.js";',
        [static("./multi.js", 5, 9)],
        id="multi-line-import-list-with-comments-and-string-names",
    ),
    pytest.param(
        'import x\n  from\n  "./a.js"', [static("./a.js", 3, 4)], id="from-on-its-own-line"
    ),
    pytest.param(
        'import/**/x/**/from/**/"./a.js"', [static("./a.js", 1, 25)], id="comments-as-gaps"
    ),
    pytest.param('import from from "./a.js"', [static("./a.js", 1, 19)], id="binding-named-from"),
    pytest.param(
        'import source mod from "./m.wasm"', [static("./m.wasm", 1, 25)], id="source-phase"
    ),
    pytest.param('import defer * as ns from "./a.js"', [static("./a.js", 1, 28)], id="defer-phase"),
    pytest.param('export * from "./a.js"', [export("./a.js", 1, 16)], id="export-star"),
    pytest.param('export * as ns from "./a.js"', [export("./a.js", 1, 22)], id="export-star-as"),
    pytest.param(
        'export * as "a-b" from "./a.js"', [export("./a.js", 1, 25)], id="export-star-as-string"
    ),
    pytest.param(
        'export { a, b as c } from "./a.js"', [export("./a.js", 1, 28)], id="export-named-from"
    ),
    pytest.param(
        'export {\n  default\n}\nfrom "./a.js"', [export("./a.js", 4, 7)], id="export-default-from"
    ),
    pytest.param('import("./a.js")', [dyn("./a.js", 1, 9)], id="dynamic"),
    pytest.param("import('./a.js')", [dyn("./a.js", 1, 9)], id="dynamic-single-quotes"),
    pytest.param("import(`./a.js`)", [dyn("./a.js", 1, 9)], id="dynamic-template-literal"),
    pytest.param(
        'import(/* webpackChunkName: "a" */ "./a.js")',
        [dyn("./a.js", 1, 37)],
        id="dynamic-with-comment",
    ),
    pytest.param('import\n  (\n"./a.js"\n)', [dyn("./a.js", 3, 2)], id="dynamic-across-lines"),
    pytest.param('import("./a.js",)', [dyn("./a.js", 1, 9)], id="dynamic-trailing-comma"),
    pytest.param('const m = await import("./a.js")', [dyn("./a.js", 1, 25)], id="dynamic-awaited"),
    pytest.param(
        'import data from "./a.json" with { type: "json" };\n'
        'export * from "./b.json" with { type: "json" };\n'
        'import("./c.json", { with: { type: "json" } });',
        [static("./a.json", 1, 19), export("./b.json", 2, 16), dyn("./c.json", 3, 9)],
        id="import-attributes",
    ),
    pytest.param(
        'import d from "./d.json" assert { type: "json" }',
        [static("./d.json", 1, 16)],
        id="import-assertions",  # the syntax that import attributes replaced
    ),
    # --- Dynamic imports that cannot be resolved: reported, with the argument's span ---
    pytest.param("import(variable)", [unresolvable("variable", 1, 8)], id="import-variable"),
    pytest.param('import("./a" + b)', [unresolvable('"./a" + b', 1, 8)], id="import-concatenation"),
    pytest.param(
        "import(`./lang/${name}.js`)",
        [unresolvable("`./lang/${name}.js`", 1, 8)],
        id="import-template-with-substitution",
    ),
    pytest.param(
        "import( f(a, b) , { with: { type: 'json' } })",
        [unresolvable("f(a, b)", 1, 9)],
        id="unresolvable-argument-ends-at-top-level-comma",
    ),
    pytest.param("import([a, b][0])", [unresolvable("[a, b][0]", 1, 8)], id="comma-in-brackets"),
    pytest.param(
        'import(cond ? "./a.js" : "./b.js")',
        [unresolvable('cond ? "./a.js" : "./b.js"', 1, 8)],
        id="conditional-argument",
    ),
    pytest.param(
        'import(`${import("./inner.js")}`)',
        [unresolvable('`${import("./inner.js")}`', 1, 8), dyn("./inner.js", 1, 19)],
        id="import-inside-an-unresolvable-argument",
    ),
    # --- Traps: not imports ---
    pytest.param(
        '// import "./no.js"\nimport "./yes.js"', [static("./yes.js", 2, 9)], id="line-comment"
    ),
    pytest.param(
        '/* import "./no.js"\n import("./no.js") */ import "./yes.js"',
        [static("./yes.js", 2, 31)],
        id="block-comment",
    ),
    pytest.param(
        "const s = \"import('./no.js')\", t = 'import \"./no.js\"'; import('./yes.js')",
        [dyn("./yes.js", 1, 64)],
        id="in-strings",
    ),
    pytest.param(
        'const s = "a \\" import(\'./no.js\') \\""; import("./yes.js")',
        [dyn("./yes.js", 1, 48)],
        id="escaped-quotes-in-a-string",
    ),
    pytest.param(
        "const s = 'it\\'s', t = \"\\\\\"; import './yes.js'",
        [static("./yes.js", 1, 38)],
        id="escaped-quote-and-escaped-backslash",
    ),
    pytest.param(
        'const s = `import("./no.js")\nimport "./no.js"`; import("./yes.js")',
        [dyn("./yes.js", 2, 28)],
        id="in-template-text",
    ),
    pytest.param(
        'const s = `${import("./yes.js")}`', [dyn("./yes.js", 1, 22)], id="in-a-substitution"
    ),
    pytest.param(
        'const s = `a${`b${import("./deep.js")}`}c`',
        [dyn("./deep.js", 1, 27)],
        id="nested-templates",
    ),
    pytest.param(
        's = `${ {a: "}"}.a /* } */ + `}` + import("./x.js") }`; import("./after.js")',
        [dyn("./x.js", 1, 44), dyn("./after.js", 1, 65)],
        id="braces-strings-comments-templates-in-a-substitution",
    ),
    pytest.param(
        "s = `\\${import('./no.js')}`; import('./yes.js')",
        [dyn("./yes.js", 1, 38)],
        id="escaped-dollar-is-no-substitution",
    ),
    pytest.param('const r = /import "x"/; import("./y.js")', [dyn("./y.js", 1, 33)], id="regex"),
    pytest.param(
        'const r = /[/]import "x"/g; import("./y.js")',
        [dyn("./y.js", 1, 37)],
        id="slash-in-regex-class",
    ),
    pytest.param(
        'const r = /\\/import "x"/; import("./y.js")',
        [dyn("./y.js", 1, 35)],
        id="escaped-slash-in-regex",
    ),
    pytest.param(
        'const r = /[\\]/]import "x"/; import("./y.js")',
        [dyn("./y.js", 1, 38)],
        id="escaped-bracket-in-regex-class",
    ),
    pytest.param("import.meta.url", [], id="import-meta"),
    pytest.param('import.meta.resolve("./a.js")', [], id="import-meta-resolve"),
    pytest.param("import\n.meta", [], id="import-meta-across-lines"),
    pytest.param('obj.import("./a.js")', [], id="property-call"),
    pytest.param('obj?.import("./a.js")', [], id="optional-property-call"),
    pytest.param('obj .\n  import ("./a.js")', [], id="property-across-lines"),
    pytest.param('obj./* c */import("./a.js")', [], id="property-after-comment"),
    pytest.param('x = { import: "./a.js" }', [], id="object-key"),
    pytest.param(
        "class A { import(url) { return url } static import(x) {} }",
        [],
        id="method-named-import",
    ),
    pytest.param("x = { import() {}, async import(a) {} }", [], id="object-method-named-import"),
    pytest.param(
        "import(a)\n{ b() }", [unresolvable("a", 1, 8)], id="call-then-block-is-no-method"
    ),
    pytest.param("class A { import = 1 }", [], id="class-field-named-import"),
    pytest.param(
        'reimport("./a.js"); importX("./b.js"); $import("./c.js"); _import("./d.js")',
        [],
        id="longer-identifiers",
    ),
    pytest.param('class A { #import() {} m() { this.#import("./a.js") } }', [], id="private"),
    pytest.param('im\\u0070ort("./a.js")', [], id="escaped-keyword-is-no-keyword"),
    pytest.param('export default "./a.js"', [], id="export-default"),
    pytest.param('export const a = "./a.js"', [], id="export-const"),
    pytest.param(
        'const a = "./a.js", b = 1; export { a, b as c }', [], id="export-list-without-from"
    ),
    pytest.param('x = { export: "./a.js" }; y.export("./b.js")', [], id="export-as-name"),
    # --- Division: "/" after an operand divides, so what follows is code ---
    pytest.param('a / b / import("./c.js")', [dyn("./c.js", 1, 17)], id="division-by-import"),
    pytest.param(
        'x = a / 2; import("./y.js") / 2', [dyn("./y.js", 1, 20)], id="division-then-import"
    ),
    pytest.param(
        'x = (a) / import("./x.js") / 2', [dyn("./x.js", 1, 19)], id="division-after-paren"
    ),
    pytest.param(
        'x = a[0] / import("./x.js") / 2', [dyn("./x.js", 1, 20)], id="division-after-bracket"
    ),
    pytest.param(
        'x = a++ / import("./x.js") / 2', [dyn("./x.js", 1, 19)], id="division-after-postfix"
    ),
    pytest.param(
        'x = 1.5e3 / import("./x.js") / 2', [dyn("./x.js", 1, 21)], id="division-after-number"
    ),
    pytest.param(
        'x = a.return / import("./x.js") / 2',
        [dyn("./x.js", 1, 24)],
        id="division-after-keyword-used-as-property",
    ),
    pytest.param(
        'x = {} / import("./x.js") / 2', [dyn("./x.js", 1, 18)], id="division-after-object"
    ),
    pytest.param(
        'f({a: {} / import("./x.js") / 2})',
        [dyn("./x.js", 1, 20)],
        id="division-after-object-in-an-object",
    ),
    pytest.param(
        'x = `${a}` / import("./x.js") / 2', [dyn("./x.js", 1, 22)], id="division-after-template"
    ),
    pytest.param(
        'x = this / import("./x.js") / 2', [dyn("./x.js", 1, 20)], id="division-after-this"
    ),
    pytest.param(
        'x = a /* c */ / import("./x.js") / 2',
        [dyn("./x.js", 1, 25)],
        id="division-after-comment",
    ),
    pytest.param(
        'x = a\n/ import("./x.js") / 2', [dyn("./x.js", 2, 11)], id="division-on-next-line"
    ),
    pytest.param('x = a /= import("./x.js") / 2', [dyn("./x.js", 1, 18)], id="divide-assign"),
    # --- Regular expressions: "/" where an operand is expected starts one ---
    pytest.param(
        'if (a) /"/.test(b); import("./x.js")', [dyn("./x.js", 1, 29)], id="regex-after-if-head"
    ),
    pytest.param('while (f(a)) /import "x"/.exec(b)', [], id="regex-after-while-head-with-call"),
    pytest.param(
        'for await (const x of y) /import "x"/.test(x)', [], id="regex-after-for-await-head"
    ),
    pytest.param(
        'function f() {} /"/.test(s); import("./x.js")',
        [dyn("./x.js", 1, 38)],
        id="regex-after-function-body",
    ),
    pytest.param(
        'if (a) {} /"/.test(s); import("./x.js")', [dyn("./x.js", 1, 32)], id="regex-after-block"
    ),
    pytest.param('const f = () => {}\n/import "x"/.test(s)', [], id="regex-after-arrow-body"),
    pytest.param('switch (a) { case 1: {} /import "x"/.test(s) }', [], id="regex-after-case-block"),
    pytest.param('x = a ? /import "x"/ : b', [], id="regex-after-question-mark"),
    pytest.param('x = [/import "x"/, /import "y"/]', [], id="regex-in-array"),
    pytest.param('f(/import "x"/)', [], id="regex-as-argument"),
    pytest.param('x = a && /import "x"/.test(b)', [], id="regex-after-operator"),
    pytest.param('x = /=import "x"/', [], id="regex-starting-with-equals"),
    pytest.param('/import "x"/.test(s)', [], id="regex-at-start-of-text"),
    pytest.param('`${/import "x"/}`', [], id="regex-at-start-of-substitution"),
    pytest.param('a.b = 1\n;/import "x"/', [], id="regex-after-semicolon"),
    pytest.param(
        'x = /import "x"/g / 2; import("./y.js")',
        [dyn("./y.js", 1, 32)],
        id="division-after-regex",
    ),
    pytest.param('x = a\n/import("./x.js")/2', [dyn("./x.js", 2, 10)], id="no-asi-before-slash"),
    # --- Decoding, positions ---
    pytest.param(
        'import "./caf\\u00e9.js"',
        [("static", "./café.js", "./caf\\u00e9.js", 1, 9)],
        id="u-escape",
    ),
    pytest.param(
        "import '\\x41\\u{42}\\u{1F600}\\uD83D\\uDE00\\n\\0'",
        [("static", "AB😀😀\n\0", "\\x41\\u{42}\\u{1F600}\\uD83D\\uDE00\\n\\0", 1, 9)],
        id="escapes-and-surrogate-pairs",
    ),
    pytest.param(
        'import "./a\\\n.js"', [("static", "./a.js", "./a\\\n.js", 1, 9)], id="line-continuation"
    ),
    pytest.param(
        "import(`./a\r\nb.js`)",
        [("dynamic", "./a\nb.js", "./a\r\nb.js", 1, 9)],
        id="template-crlf-is-lf",
    ),
    pytest.param(
        '/* 😀 é */ import "./a.js"', [static("./a.js", 1, 19)], id="columns-in-code-points"
    ),
    pytest.param(
        '\r\n\r\nimport "./a.js"\rimport "./b.js"\nimport "./c.js"',
        [static("./a.js", 3, 9), static("./b.js", 4, 9), static("./c.js", 5, 9)],
        id="crlf-cr-lf",
    ),
    pytest.param(
        '#!/usr/bin/env node import "./no.js"\nimport "./a.js"',
        [static("./a.js", 2, 9)],
        id="hashbang",
    ),
    pytest.param('\ufeffimport "./a.js"', [static("./a.js", 1, 10)], id="byte-order-mark"),
    # --- Cut off by the end of the text: never an error ---
    pytest.param('import "./a.js', [], id="unterminated-specifier"),
    pytest.param("x = \"import('./a.js')", [], id="unterminated-string"),
    pytest.param('/* import "./a.js"', [], id="unterminated-comment"),
    pytest.param('`${import("./a.js")}', [dyn("./a.js", 1, 12)], id="unterminated-template"),
    pytest.param('import("./a.js"', [dyn("./a.js", 1, 9)], id="unclosed-call"),
    pytest.param("import(a", [unresolvable("a", 1, 8)], id="unclosed-unresolvable-call"),
    pytest.param(
        # No regular expression ends on the line: the "/" is taken as a division, and what
        # follows as code (the text is not JavaScript either way).
        'x = /import "x"\nimport("./a.js")',
        [static("x", 1, 14), dyn("./a.js", 2, 9)],
        id="regex-without-end-on-its-line-is-a-division",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_the_scanner_finds_exactly_these_imports(text: str, expected: list[Found]) -> None:
    assert found(text) == expected


OPERAND_KEYWORDS = [
    "return", "typeof", "case", "default", "in", "of", "new", "delete", "void", "throw",
    "instanceof", "yield", "await", "extends", "do", "else", "try", "finally",
]  # fmt: skip


@pytest.mark.parametrize("keyword", OPERAND_KEYWORDS)
def test_a_keyword_is_followed_by_a_regex_not_a_division(keyword: str) -> None:
    # Were the "/" a division, 'import "x"' would be read as code: a static import.
    assert found(f'{keyword} /import "x"/.test(s)') == []
    assert found(f'{keyword}\n/import "x"/.test(s)') == []
    assert found(f'x.{keyword} / import("./a.js") / 2') == [dyn("./a.js", 1, 14 + len(keyword))]


def test_the_result_is_frozen_and_typed() -> None:
    (first,) = scan_imports('import "./a.js"')
    assert first == ModuleImport("./a.js", "static", 8, 14, 1, 9)
    with pytest.raises(AttributeError):
        first.specifier = "b"  # type: ignore[misc]


def test_a_long_minified_line() -> None:
    # 1.3 MB of tokens on one line: every state the scanner has, many times over, must neither
    # drift (the import at the end is found where it is) nor go quadratic (this would not end).
    chunk = 'a=b/c;d=/re[/]/g.test(e)?{f:`${g}`}:[h];if(i)/j/;k=l(m,"n\\"o");'
    text = chunk * 20_000 + 'import("./end.js")'
    assert found(text) == [dyn("./end.js", 1, len(text) - 9)]


# --- Properties ------------------------------------------------------------------------------

JS_ALPHABET = "import\"'`/*{}$()[],;:.=+?\\\n\r xfromexport\u2028😀"
any_text = st.one_of(st.text(), st.text(alphabet=JS_ALPHABET))
js_words = st.lists(
    st.sampled_from(
        [
            "import", "export", "from", "as", "*", "{", "}", "(", ")", "[", "]", "${", "`", '"',
            "'", "/", "//", "/*", "*/", "\\", "\n", " ", ";", ",", ".", "x", "1", "return", "if",
            "=>", "=", "?", ":", "./a.js", "meta", "with",
        ]
    )
).map("".join)  # fmt: skip


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The slow, obvious way: split on LF, CR and CRLF."""
    lines = re.split(r"\r\n|\r|\n", text[:offset])
    return len(lines), len(lines[-1]) + 1


def check_consistent(text: str, imports: list[ModuleImport]) -> None:
    previous_start = -1
    for item in imports:
        assert 0 <= item.start <= item.end <= len(text)
        assert item.start > previous_start
        previous_start = item.start
        assert (item.line, item.column) == line_and_column(text, item.start)
        assert item.kind in ("static", "export", "dynamic")
        if item.specifier is None:
            assert item.kind == "dynamic"
            continue
        quote = text[item.start - 1]
        assert quote in ("`", '"', "'") if item.kind == "dynamic" else quote in ('"', "'")
        assert text[item.end] == quote
        if "\\" not in text[item.start : item.end] and "\r" not in text[item.start : item.end]:
            assert item.specifier == text[item.start : item.end]


@given(st.one_of(any_text, js_words))
@settings(max_examples=1500)
def test_never_raises_and_offsets_lines_and_columns_are_consistent(text: str) -> None:
    check_consistent(text, scan_imports(text))


@given(any_text)
@settings(max_examples=300)
def test_nothing_inside_a_comment_or_a_string_is_an_import(text: str) -> None:
    assert scan_imports("/*" + text.replace("*/", "") + "*/") == []
    assert scan_imports("//" + re.sub("[\n\r\u2028\u2029]", "", text)) == []
    assert scan_imports(json.dumps(text)) == []
    assert scan_imports("`" + re.sub(r"[`\\$]", "", text) + "`") == []


# Generated modules: imports whose specifiers are known, among distractors that hold "import"
# in every place where it is not one. A piece is (source, expected imports).
SAFE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789./-_@", min_size=1, max_size=12)


def single_quoted(value: str) -> str:
    """A single-quoted JS string literal of ``value`` (JSON escapes are JS escapes)."""
    return "'" + json.dumps(value)[1:-1].replace('\\"', '"').replace("'", "\\'") + "'"


@st.composite
def import_piece(draw: st.DrawFn) -> tuple[str, list[tuple[str, str | None]]]:
    specifier = draw(st.text(max_size=12))
    literal = draw(
        st.sampled_from([json.dumps(specifier), json.dumps(specifier, ensure_ascii=False)])
        | st.just(single_quoted(specifier))
    )
    form = draw(st.integers(0, 14))
    if form == 0:
        return f"import x from {literal}", [("static", specifier)]
    if form == 1:
        return f"import {{\n a,\n b as c\n}} from {literal}", [("static", specifier)]
    if form == 2:
        return f"import * as ns from {literal} with {{ type: 'json' }}", [("static", specifier)]
    if form == 3:
        return f"import {literal}", [("static", specifier)]
    if form == 4:
        return f"export * from {literal}", [("export", specifier)]
    if form == 5:
        return f"export * as ns from {literal}", [("export", specifier)]
    if form == 6:
        return f"export {{ a, b as c }} from {literal}", [("export", specifier)]
    if form == 7:
        return f"await import({literal})", [("dynamic", specifier)]
    if form == 8:
        return f"s = `a${{import({literal})}}b`", [("dynamic", specifier)]
    if form == 9:
        return f"x = a / import({literal}) / 2", [("dynamic", specifier)]
    if form == 10:
        return "import(name)", [("dynamic", None)]
    if form == 12:
        return f"import /* a comment */ {literal}", [("static", specifier)]
    if form == 13:
        comments = "// a line comment\n" * draw(st.integers(0, 10))
        return f"import x from // why\n{comments} {literal}", [("static", specifier)]
    if form == 14:
        return f"import(// why\n{literal})", [("dynamic", specifier)]
    return f"if (a) {{ b = c ? {{d: 1}} : import({literal}) }}", [("dynamic", specifier)]


@st.composite
def distractor(draw: st.DrawFn) -> tuple[str, list[tuple[str, str | None]]]:
    s = draw(SAFE)
    regex_safe = s.replace("/", "\\/")
    return draw(
        st.sampled_from(
            [
                f'// import "{s}"\n',
                f'/* import("{s}")\n export * from "{s}" */',
                f"x = \"import('{s}')\" + 'import \"{s}\"'",
                f'x = `import("{s}") ${{1}} import "{s}"`',
                f'r = /import "{regex_safe}"/g',
                f'r = /[/]import "{regex_safe}"/',
                f'if (a) /import "{regex_safe}"/.test(b)',
                f'function f() {{ return /import "{regex_safe}"/ }}',
                f'function g() {{}} /import "{regex_safe}"/.test(b)',
                f'x = a / 2 / (b / "{s}")',
                f'obj.import("{s}")',
                "u = import.meta.url",
                f'x = {{ import: "{s}" }}',
                f'class A {{ import(u) {{ return "{s}" }} }}',
                f'export const c = "{s}"',
                f'export default "{s}"',
                f'x = "taken from " + "{s}"',
                f'// copied from\n// "{s}"\nf()',
                f'x = Array.from ("{s}")',
            ]
        )
    ), []


@given(
    st.lists(st.one_of(import_piece(), distractor()), max_size=8),
    st.sampled_from(["\n", ";\n", "; ", "\r\n", ";/* c */\n"]),
)
@settings(max_examples=500)
def test_generated_modules(
    pieces: list[tuple[str, list[tuple[str, str | None]]]], separator: str
) -> None:
    text = separator.join(source for source, _ in pieces)
    expected = [item for _, items in pieces for item in items]
    imports = scan_imports(text)
    assert [(i.kind, i.specifier) for i in imports] == expected
    check_consistent(text, imports)
    assert_reading_stops_soundly(text)


# --- Where reading stops ---------------------------------------------------------------------
# The scanner reads a text as tokens only up to the last place an import could be (a cheap
# search for "import" or "from" followed by what could start a specifier). That shortcut must
# never change the answer: the imports found equal those of reading the whole text.


def assert_reading_stops_soundly(text: str) -> None:
    whole = esm._with_positions(text, esm._scan_raw(text, len(text)))
    assert scan_imports(text) == whole


@given(st.one_of(any_text, js_words))
@example("0import(")  # a digit then a name is one malformed number, not "0" then "import("
@example("x = 10import('a')")
@settings(max_examples=1500)
def test_stopping_early_finds_what_reading_everything_finds(text: str) -> None:
    assert_reading_stops_soundly(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("import x from // " + "c" * 2000 + '\n"./a.js"', id="long-line-comment"),
        pytest.param("import x from" + "\n// c" * 12 + '\n"./a.js"', id="many-line-comments"),
        pytest.param("import x from /* " + "c" * 2000 + ' */ "./a.js"', id="long-block-comment"),
        pytest.param('import x from "' + "a" * 2000 + '"', id="long-specifier"),
        pytest.param('import x from "./\\u0061.js"', id="escaped-specifier"),
        pytest.param('import x from "./a.js" with { type: "json" }', id="with-attributes"),
        pytest.param('import x from "./a.js" assert { type: "json" }', id="assert-attributes"),
        pytest.param("import x from './a.js'\u2028f()", id="line-separator-after"),
        pytest.param('import x from "./a.js"//c', id="comment-after"),
        pytest.param('export * from "./a.js"', id="at-the-very-end"),
    ],
)
def test_unusual_spellings_are_still_found(text: str) -> None:
    assert len(scan_imports(text)) == 1
    assert_reading_stops_soundly(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('msg = "No conversion from " + a + " to " + b', id="from-in-a-string"),
        pytest.param("// copied from\n// somewhere else\nf()", id="from-ending-a-comment-line"),
        pytest.param("x = Array.from(list)", id="array-from"),
        pytest.param('// Option inherited from "Layer" class\n', id="quoted-word-after-from"),
    ],
)
def test_prose_that_mentions_from_is_not_read_at_all(text: str) -> None:
    assert esm._last_possible_import(text) == -1
    assert scan_imports(text) == []


def test_a_module_is_read_only_up_to_its_last_possible_import() -> None:
    head = 'import a from "./a.js";\nexport * from "./b.js";\n'
    body = "function f(x) { return x / 2; } // imported from elsewhere\n" * 1000
    assert esm._last_possible_import(head + body) == head.index('from "./b.js"')
    assert [i.specifier for i in scan_imports(head + body)] == ["./a.js", "./b.js"]
