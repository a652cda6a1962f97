"""Find the module specifiers that an ES module imports.

Owns: reading JavaScript the way an engine tokenizes it, far enough to know which string
literals are module specifiers -- ``import x from "y"``, ``import {a, b as c} from "y"``,
``import * as ns from "y"``, ``import "y"``, ``export * from "y"``, ``export * as ns from "y"``,
``export {a} from "y"`` (each with or without import attributes, ``with { type: "json" }``) and
``import("y")`` -- and which ``import(...)`` calls have an argument no build can resolve.
Comments, strings, template literals (with their ``${...}`` substitutions, nested to any
depth) and regular expression literals are read as tokens, so nothing inside them is mistaken
for an import, while an ``import("x")`` inside a substitution is found.

Must not: read files, resolve specifiers or know about configuration (it works on ``str``
only; the pipeline decides what a specifier maps to), loop over characters in Python (the work
is done by compiled regular expressions whose alternatives are JavaScript tokens, so scanning
runs at the speed of the ``re`` engine), or raise on any input text: unterminated strings,
comments, templates and regular expressions simply end at the end of the text (a string or a
regular expression also ends at a line break, where an engine would report an error).

How the scanner stays fast: first, a search from the end of the text (``str.rfind`` for
``import`` and ``from``, each hit checked by a bounded pattern) finds the last place where an
import could be; a text without one is not read at all, and one with one is read as tokens only
up to it (most modules import at the top). Then the master expression matches, in one C-level step, a whole run of
tokens that cannot start an import nor change the nesting that matters (identifiers, keywords,
numbers, strings, punctuators, comments, and the divisions and regular expressions that
directly follow them), and stops only at ``{``, ``}``, a backquote, ``import``, ``export``, the
head of ``if``/``while``/``for``/``with`` (inside which parentheses are tracked too, and inside
an unresolvable ``import(...)`` also ``[``, ``]`` and ``,``) and a ``/`` whose meaning depends
on what Python knows. Every alternative consumes a whole token, so a match can only start on a
token boundary: ``reimport(``, ``"import('x')"`` or ``obj.import("x")`` are never read as
imports. The run reports the class of its last significant token (through
``Match.lastgroup``), which is all that the next decision needs. Every pattern is written so
that it can match in one way only, so that no text makes the scan worse than linear (short of
a line holding many ``/`` that each could start a regular expression none of which ends).

Division or regular expression (the one context-dependent part of JavaScript's lexical
grammar) is decided by the previous significant token, the way ``es-module-lexer`` and
syntax highlighters do:

* after an identifier, a number, a string, a template, a regular expression, ``]``, a
  postfix ``++``/``--``, a property name (``a.return``) or the keywords ``this``, ``super``,
  ``null``, ``true``, ``false``: ``/`` divides;
* after any other punctuator, at the start of the text, and after the keywords ``return``,
  ``typeof``, ``case``, ``default``, ``do``, ``else``, ``in``, ``of``, ``new``, ``delete``,
  ``void``, ``throw``, ``instanceof``, ``yield``, ``await``, ``extends``, ``try``,
  ``finally``: it starts a regular expression;
* after ``)``: a regular expression if the parenthesis closes the head of ``if``, ``while``,
  ``for`` (``for await``) or ``with`` (a statement follows), else a division;
* after ``}``: a regular expression if the brace closes a block (a statement follows), a
  division if it closes an object literal. A ``{`` opens an object literal when the token before
  it expects an expression: an operator or punctuator (``(``, ``[``, ``,``, ``=``, ``?``, ...),
  ``${``, or one of the keywords above that take an operand (``return {``, ``export default
  {``); it opens a block after ``)``, ``=>``, ``;``, ``{`` or ``}`` of a block, an identifier
  (``class A extends B {``), ``else``, ``do``, ``try``, ``finally`` and at the start of the
  text. After ``:`` it is a block when the ``:`` stands directly in a block (``case 1: {``,
  ``label: {``) and an object otherwise (``{a: {}}``, ``f(c ? a : {})``); the one case this
  gets wrong, an object literal after the ``:`` of a conditional at statement level, is never
  followed by ``/``.
* ``++``/``--`` are taken as postfix (``/`` after a prefix ``++`` could not be valid anyway).

A regular expression ends at its first ``/`` outside a class (``[...]``, which may hold
``/``) and an escape, and cannot span lines; a ``/`` where a regular expression is expected
but none is complete on that line is read as a division, so a misjudgement never swallows more
than the rest of a line. (Classes nested under the ``v`` flag are not recognised: the flag
comes after the body.)

What is an import, and what is not:

* ``import`` and ``export`` count only as keywords: not after ``.`` or ``?.`` (a property,
  ``obj.import("x")``), not followed by ``:`` or ``=`` (``{ import: 1 }``, a class field), and
  an ``import(...)`` directly inside braces whose ``)`` is followed by ``{`` is a method
  definition (``class A { import(url) {...} }``), not a call. (So an ``import(x)`` statement
  without a semicolon, in a function body, followed by a block statement on the next line is
  missed: a construct no formatter or minifier produces.) ``import.meta`` (and
  ``import.source(...)``/``import.defer(...)`` of the phase proposals) is not an import.
* A static import names a specifier only with a closed string literal after ``from`` (or
  right after ``import``); ``export`` counts only as ``export * [as n] from "x"`` or
  ``export {...} from "x"``. The clause before ``from`` may hold comments, ``source``/``defer``
  phase keywords and string export names (``{"a-b" as ab}``).
* ``import("x")`` (and ``import(`x`)``, a template without substitutions, and
  ``import("x", {with: ...})``) has the literal's value as its specifier; any other argument
  (``import(name)``, ``import("./" + name)``, ``import(`./${name}.js`)``) is reported with
  ``specifier=None`` and the span of the argument, up to the first top-level ``,`` or the
  closing ``)``. A call still open at the end of the text is reported as such.

Specifier values are decoded as JavaScript decodes string literals (``\\n``, ``\\x41``,
``\\u0041``, ``\\u{1F600}``, surrogate pairs, line continuations; template literals also turn
CR and CRLF into LF). Lines and columns are 1-based, columns counted in code points; a line
ends at LF, CR or CRLF, as editors count (and as :mod:`assetbuild.compiler.scan.css` reports).
"""

from __future__ import annotations

import functools
import re

from assetbuild.compiler.scan.positions import line_columns
from assetbuild.compiler.scan.reference import ImportKind, ModuleImport

__all__ = ["scan_imports"]


# --- Token patterns (ECMAScript 2025, section 12) ------------------------------------------------

# Line terminators (12.3) and white space (12.2: TAB, VT, FF, ZWNBSP and the Zs category).
_LT = "\n\r\u2028\u2029"
_WS_CHARS = "\t\x0b\x0c \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff" + _LT
_WS = f"[{_WS_CHARS}]"
# Identifier characters. Every non-ASCII code point that is not white space is taken as one:
# outside strings, comments and regular expressions no other non-ASCII character is valid
# JavaScript, so this only decides how an invalid text is cut into tokens. Written as negated
# classes: ``re`` compiles a class with ranges above U+00FF by walking every code point of
# them, so the positive spelling of the same set (it appears in every keyword's lookahead) made
# compiling the scanner take 0.2 s, more than scanning a large module.
_NOT_ID_NON_ASCII = r"\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ID_START_CHAR = rf"[^\x00-\x23\x25-\x40\x5b-\x5e\x60\x7b-\x7f{_NOT_ID_NON_ASCII}]"
_ID_CHAR = rf"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f{_NOT_ID_NON_ASCII}]"
_ID_ESCAPE = r"\\u(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]+\})"
# Unrolled (one character class repeated, escapes between runs of it): a repeated alternation
# per character would make the most common token several times slower to match.
_IDENT = rf"(?:{_ID_START_CHAR}|{_ID_ESCAPE}){_ID_CHAR}*(?:{_ID_ESCAPE}{_ID_CHAR}*)*"
_ID_END = rf"(?!{_ID_CHAR}|\\u)"


def _keyword(*words: str) -> str:
    return rf"(?:{'|'.join(words)}){_ID_END}"


# Comments (12.4). A block comment runs to the first "*/" or to the end of the text.
_LINE_COMMENT = f"//[^{_LT}]*"
_BLOCK_COMMENT = r"/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+/|\*+\Z|\Z)"
_COMMENT = f"(?:{_LINE_COMMENT}|{_BLOCK_COMMENT})"
# White space and comments, written so that it can match in one way only (no run of spaces can
# be split between iterations), which keeps backtracking over it linear.
_GAP = f"{_WS}*(?:{_COMMENT}{_WS}*)*"
_SPACES = "[ \t]*"  # the cheap gap allowed before a division or regular expression in a run

# String literals (12.9.4): a string ends at its quote, before a line break (an error an
# engine reports; here the string just ends) or at the end of the text. Backslash-CRLF is one
# line continuation. U+2028 and U+2029 are allowed inside (ES2019).
_DQ_BODY = r'[^"\\\n\r]*(?:\\(?:\r\n|[\s\S])[^"\\\n\r]*)*'
_SQ_BODY = r"[^'\\\n\r]*(?:\\(?:\r\n|[\s\S])[^'\\\n\r]*)*"
_STRING = f"(?:\"{_DQ_BODY}\"?|'{_SQ_BODY}'?)"


def _closed_string(prefix: str) -> str:
    """A string literal that is closed, its value captured as ``<prefix>d`` or ``<prefix>s``."""
    return f"(?:\"(?P<{prefix}d>{_DQ_BODY})\"|'(?P<{prefix}s>{_SQ_BODY})')"


# Template characters (12.9.6) up to a backquote, a "${" or the end of the text.
_TEMPLATE_BODY = r"[^`\\$]*(?:(?:\\(?:\r\n|[\s\S])|\$(?!\{))[^`\\$]*)*"
_TEMPLATE_PART = re.compile(rf"(?P<body>{_TEMPLATE_BODY})(?P<close>`|\$\{{|\\?\Z)")
_NO_SUBSTITUTION_TEMPLATE = rf"`(?P<tv>{_TEMPLATE_BODY})`"

# Numeric literals (12.9.3), generously: digits, letters, "_" and one ".", so "1.5e3", "0x1F",
# "1_000n" and ".5" are one token. ("1e+5" is three tokens of which the last is a number, which
# leaves the same previous token.)
_NUMBER = r"(?:\d|\.\d)[\w$]*(?:\.[\w$]*)?"

# Regular expression literals (12.9.5): no line break inside, a class may hold "/", flags are
# identifier characters. The body cannot start with "*" or "/" (that would be a comment).
_RE_CHAR = f"[^/\\\\\\[{_LT}]"
_RE_ESCAPE = f"\\\\[^{_LT}]"
_RE_CLASS = f"\\[[^\\]\\\\{_LT}]*(?:{_RE_ESCAPE}[^\\]\\\\{_LT}]*)*\\]"
_REGEX = rf"/(?![*/]){_RE_CHAR}*(?:(?:{_RE_ESCAPE}|{_RE_CLASS}){_RE_CHAR}*)*/{_ID_CHAR}*"
_REGEX_RE = re.compile(_REGEX)
_DIVISION = r"/(?![*/])=?"
_DIVISION_RE = re.compile(_DIVISION)

# Keywords by what may follow them. After these an operand is expected: "/" starts a regular
# expression and "{" an object literal.
_OPERAND_KEYWORDS = _keyword(
    "return", "typeof", "case", "default", "in", "of", "new", "delete", "void", "throw",
    "instanceof", "yield", "await", "extends",
)  # fmt: skip
# After these a statement follows: "/" starts a regular expression and "{" a block.
_STATEMENT_KEYWORDS = _keyword("else", "do", "try", "finally")
# A keyword and the "(" of the head it introduces; after the matching ")" a statement follows.
_HEAD_START = rf"(?:if|while|with|for(?:{_GAP}await)?){_ID_END}{_GAP}\("
_NOT_A_KEYWORD = (
    r"(?!(?:import|export|return|typeof|case|default|in|of|new|delete|void|throw|instanceof"
    rf"|yield|await|extends|else|do|try|finally){_ID_END}|{_HEAD_START})"
)

# Classes of the previous significant token (what a run reports through lastgroup).
_OPERAND = 0  # an operand ended: "/" divides, "{" opens a block
_OPERATOR = 1  # an operand is expected: "/" starts a regular expression, "{" an object
_STATEMENT = 2  # a statement is expected: "/" starts a regular expression, "{" a block
_COLON = 3  # ":": like _STATEMENT directly in a block, like _OPERATOR elsewhere

# Which brackets the master expression stops at (braces and backquotes always).
_NORMAL = 0  # parentheses and square brackets are ordinary punctuators
_PARENS = 1  # inside the head of if/while/for/with: parentheses are tracked too
_ARGUMENT = 2  # inside an unresolvable import(...) argument: also "[", "]" and ","


@functools.cache  # compiled when first needed: a text without imports needs none of them
def _code_pattern(mode: int) -> re.Pattern[str]:
    """The master expression for a mode: a run of tokens, or one token that Python handles.

    Each iteration of a repeated group costs the ``re`` engine far more than a character of a
    repeated class, so the run first tries a "bulk": white space, digits and punctuators that
    are never part of a longer token that matters, as one class run (a minified expression or a
    table of numbers goes by in a few steps); its class is then read off its last characters
    (see ``_bulk_class``). Otherwise one token is matched per iteration, swallowing the blanks
    after it rather than backtracking over them (``a / b`` is ``a /`` then ``b``), with few
    capturing groups (each iteration also copies the marks of the groups set so far).
    """
    tracked = {_NORMAL: "", _PARENS: "()", _ARGUMENT: "(),[]"}[mode]
    opening = "".join(c for c in "([," if c not in tracked)
    closing = "".join(c for c in ")]" if c not in tracked)
    bulk_chars = f"[{_WS_CHARS}0-9{re.escape(''.join(c for c in '()[],' if c not in tracked))}"
    bulk_chars += r";:=+\-*%&|^!~<>?]"
    # Ends on a character that is not white space, and not on a digit that a name follows
    # ("0import" is one malformed number, as the early stop reads it); "." only as the point
    # of a number.
    bulk = rf"(?P<bulk>{bulk_chars}+(?:\.\d{bulk_chars}*)*(?<!{_WS})(?!(?<=[0-9])[\w$\\]))"
    bulk += rf"(?:(?<=[0-9{re.escape(closing)}]){_SPACES}(?P<bulkdivision>{_DIVISION}))?"
    operand = [
        # A property name, keywords included: obj.import(), a.default / 2, this.#x.
        rf"(?:\.|\?\.(?!\d)){_GAP}#?{_IDENT}",
        rf"{_NOT_A_KEYWORD}(?:#?{_IDENT}|{_NUMBER}|{_STRING})",
        r"\+\+|--",  # taken as postfix
    ]
    if closing:
        operand.append(f"[{re.escape(closing)}]")
    operators = (
        rf"{_OPERAND_KEYWORDS}|\.\.\.|\?\.(?!\d)"
        rf"|[-+*%&|^!~<>=?@\\#.\x00-\x08\x0e-\x1f\x7f{re.escape(opening)}]"
    )
    run = "|".join(
        [
            bulk,
            f"{_WS}+",
            _COMMENT,
            rf"(?P<operand>{'|'.join(operand)}){_SPACES}(?P<division>{_DIVISION})?",
            rf"(?:(?P<statement>{_STATEMENT_KEYWORDS}|=>|;)|(?P<colon>:)|(?P<operator>{operators}))"
            rf"{_SPACES}(?P<regex>{_REGEX})?",
        ]
    )
    # Brackets take the white space after them along (the group ends at the bracket): a
    # white-space-only match between two brackets would cost a round trip through Python.
    stops = [
        rf"(?P<brace>\{{){_WS}*",
        rf"(?P<cbrace>\}}){_WS}*",
        r"(?P<tick>`)",
        r"(?P<slash>/)",
        rf"(?P<import>import{_ID_END})",
        rf"(?P<export>export{_ID_END})",
        rf"(?P<head>{_HEAD_START}){_WS}*",
    ]
    if mode != _NORMAL:
        stops += [rf"(?P<paren>\(){_WS}*", rf"(?P<cparen>\)){_WS}*"]
    if mode == _ARGUMENT:
        stops += [rf"(?P<comma>,){_WS}*", rf"(?P<bracket>\[){_WS}*", rf"(?P<cbracket>\]){_WS}*"]
    return re.compile(f"(?:{run})+|" + "|".join(stops))


# The class each group of a run leaves behind (_BULK: read off its text).
_BULK = -1
_CLASS_OF = {
    "bulk": _BULK,
    "bulkdivision": _OPERATOR,
    "operand": _OPERAND,
    "division": _OPERATOR,
    "statement": _STATEMENT,
    "colon": _COLON,
    "operator": _OPERATOR,
    "regex": _OPERAND,
}

# What follows the keyword "import".
# A list of names holds no "{", "(", ";" or "=": without them a "{" that is not closed stops at
# the next one, rather than scanning on for each "import {" in a text.
_NAMED = rf"\{{[^}}{{(;='\"/]*(?:(?:{_STRING}|{_COMMENT}|/(?![*/]))[^}}{{(;='\"/]*)*\}}"
_IMPORT_CLAUSE = (
    rf"(?:{_IDENT}{_GAP}(?:,{_GAP})?)?"  # a default binding, or a phase (import source x)
    rf"(?:\*{_GAP}as{_ID_END}{_GAP}{_IDENT}|{_NAMED}|{_IDENT})"
)
_FROM = rf"{_GAP}from{_ID_END}{_GAP}"
# What may follow the string of a static import or export: ";", a line break (ASI), a comment,
# import attributes, or the end (and, leniently, ",", ")" and "}"). Anything else makes it a
# syntax error, not an import: 'msg = "from " + a' in a module.
_WS_INLINE = "[\t\x0b\x0c \xa0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]"
_SPECIFIER_END = rf"(?={_WS_INLINE}*(?:[;,)}}{_LT}/]|with{_ID_END}|assert{_ID_END}|\Z))"
_AFTER_IMPORT = (
    rf"{_GAP}(?:"
    rf"(?P<call>\()(?P<argstart>{_GAP})(?:(?:{_closed_string('l')}|{_NO_SUBSTITUTION_TEMPLATE})"
    rf"{_GAP}(?=[,)]|\Z))?"
    rf"|(?P<dot>\.)"
    rf"|{_closed_string('b')}{_SPECIFIER_END}"  # import "x"
    rf"|{_IMPORT_CLAUSE}{_FROM}{_closed_string('f')}{_SPECIFIER_END}"
    ")"
)
_AFTER_EXPORT = (
    rf"{_GAP}(?:\*{_GAP}(?:as{_ID_END}{_GAP}(?:{_IDENT}|{_STRING}){_GAP})?|{_NAMED})"
    rf"{_FROM}{_closed_string('e')}{_SPECIFIER_END}"
)


@functools.cache
def _after(keyword: str) -> re.Pattern[str]:
    """What may follow ``import`` or ``export``, compiled when first needed."""
    return re.compile(_AFTER_IMPORT if keyword == "import" else _AFTER_EXPORT)


# Where an import could be: every import names its specifier (or argument) right after
# ``import`` or ``from`` -- ``import "x"``, ``... from "x"``, ``import(...)`` -- with only white
# space and comments between, and a string specifier is followed by ``_SPECIFIER_END``. A text
# without such a place has no import, and a text is read as tokens only up to its last such
# place: after it, nothing can be an import. Module files put their static imports first, so most
# are read for a few hundred bytes, and most scripts not at all. This is a superset (a place
# inside a string or comment may count too), and it stays linear: each place is read for a
# bounded length -- a string for 1,024 characters, up to 8 line comments of 1,024 -- and whatever
# is longer, or a block comment, counts as a place unread.


def _maybe_after(keyword: str, call: bool) -> str:
    strings = [
        rf"{q}(?:[^{q}\\{_LT}]{{0,1024}}(?:{q}{_SPECIFIER_END}|\\)|[^{q}\\{_LT}]{{1025}})"
        for q in "\"'"
    ]
    opener = "|".join([*strings, r"/\*", r"//", *([r"\("] if call else [])])
    # Line comments between, read as an atomic group (a lookahead captured, then matched by
    # reference): backtracking into it would let the ``//`` of the opener take a comment that
    # was already read.
    lines = rf"(?=(?P<{keyword}gap>(?://[^{_LT}]{{0,1024}}[{_LT}]{_WS}*){{0,8}}))(?P={keyword}gap)"
    return rf"{keyword}{_ID_END}{_WS}*{lines}(?:{opener})"


_MAYBE_IMPORT = re.compile(
    rf"(?<![a-zA-Z0-9_$])(?:{_maybe_after('import', call=True)}|{_maybe_after('from', call=False)})"
)
_METHOD_BODY = re.compile(rf"{_GAP}\{{")
_HASHBANG = re.compile(f"#![^{_LT}]*")

# Frames: what an open bracket is, so that its closing bracket is understood.
_BLOCK = 0
_OBJECT = 1
_PAREN = 2
_HEAD_PAREN = 3
_TEMPLATE = 4
_BRACKET = 5
_IMPORT_CALL = 6


# --- Decoding ------------------------------------------------------------------------------------

_ESCAPE = re.compile(
    r"\\(?:u\{(?P<cp>[0-9a-fA-F]+)\}|u(?P<u>[0-9a-fA-F]{4})|x(?P<x>[0-9a-fA-F]{2})"
    r"|(?P<oct>[0-3][0-7]{0,2}|[4-7][0-7]?)|(?P<lt>\r\n|[\n\r\u2028\u2029])|(?P<char>[\s\S])|\Z)"
)
_SINGLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _decode_escape(match: re.Match[str]) -> str:
    digits = match.group("cp") or match.group("u") or match.group("x")
    if digits is not None:
        value = int(digits, 16)
        return chr(value) if value <= 0x10FFFF else "\ufffd"
    octal = match.group("oct")
    if octal is not None:
        return chr(int(octal, 8))  # "\0" is NUL; other octal escapes are legacy syntax
    if match.group("lt") is not None:
        return ""  # a line continuation
    char = match.group("char")
    return _SINGLE.get(char, char) if char is not None else ""


def _decode(raw: str, template: bool) -> str:
    """The value of a string literal's (or template's) characters as written."""
    if template and "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "\\" not in raw:
        return raw
    value = _ESCAPE.sub(_decode_escape, raw)
    if _SURROGATE.search(value):  # "\uD83D\uDE00" is one code point
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return value


def _literal(match: re.Match[str], prefix: str) -> tuple[str, int, int]:
    """The decoded value and span of the closed string captured under ``prefix``."""
    group = prefix + "d" if match.group(prefix + "d") is not None else prefix + "s"
    start, end = match.span(group)
    return _decode(match.group(group), template=False), start, end


# --- Scanning ------------------------------------------------------------------------------------

# A found import before its line and column are known: (specifier, kind, start, end).
_Raw = tuple[str | None, ImportKind, int, int]


class _Call:
    """An ``import(`` with an unresolvable argument whose ``)`` has not been seen yet."""

    __slots__ = ("end", "in_braces", "start")

    def __init__(self, start: int, in_braces: bool) -> None:
        self.start = start
        self.end = -1  # where the argument ends, once a top-level "," or the ")" is seen
        self.in_braces = in_braces  # where a method could be defined

    def raw(self, last_end: int) -> _Raw:
        """The import, ``last_end`` being where the last token before the ``)`` ended."""
        end = self.end if self.end >= 0 else max(last_end, self.start)
        return (None, "dynamic", self.start, end)


def _bulk_class(text: str, start: int, end: int) -> int:
    """The class of the last token of a bulk (white space, digits and punctuators) that ends
    with a character other than white space at ``end``."""
    last = text[end - 1]
    if last in "0123456789)]":
        return _OPERAND
    if last == ";":
        return _STATEMENT
    if last == ":":
        return _COLON
    before = text[end - 2] if end - 2 >= start else ""
    if last in "+-" and before == last:
        return _OPERAND  # postfix ++ or --
    if last == ">" and before == "=":
        return _STATEMENT  # =>
    return _OPERATOR


def _in_braces(stack: list[int]) -> bool:
    """Whether the innermost bracket is a brace: a class body or object literal may be."""
    return bool(stack) and stack[-1] in (_BLOCK, _OBJECT)


def _is_method(text: str, after: re.Match[str], stack: list[int]) -> bool:
    """Whether ``import("x")``, matched by ``_AFTER_IMPORT``, is a method definition (``import(x)
    {``), which a string parameter would make invalid anyway."""
    end = after.end()
    return (
        _in_braces(stack)
        and text.startswith(")", end)
        and _METHOD_BODY.match(text, end + 1) is not None
    )


def _last_possible_import(text: str) -> int:
    """Where the last place that could hold an import starts; -1 if there is none. Found from
    the end with ``str.rfind`` (the last one is usually near the top of the file, so a search
    forwards would read the whole text) and checked with ``_MAYBE_IMPORT`` at each hit."""
    last = -1
    for word in ("import", "from"):
        end = len(text)
        while True:
            at = text.rfind(word, last + 1, end)
            if at < 0:
                break
            if _MAYBE_IMPORT.match(text, at) is not None:
                last = at
                break
            end = at + len(word) - 1  # the next hit starts before this one
    return last


def _scan_raw(text: str, limit: int) -> list[_Raw]:
    """The imports of ``text``, read as tokens up to ``limit`` (and on to the end of any
    ``import(...)`` still open there)."""
    found: list[_Raw] = []
    length = len(text)
    stack: list[int] = []  # frames
    calls: list[_Call] = []  # one per _IMPORT_CALL frame, innermost last
    heads = 0  # _HEAD_PAREN frames on the stack
    previous = _STATEMENT  # the class of the previous significant token
    last_end = 0  # where the previous significant token ended
    pos = 0
    hashbang = _HASHBANG.match(text)
    if hashbang is not None:
        pos = hashbang.end()

    while pos < length and (pos <= limit or calls):
        pattern = _code_pattern(_ARGUMENT if calls else _PARENS if heads else _NORMAL)
        match = pattern.match(text, pos)
        assert match is not None  # every code point starts some alternative
        kind = match.lastgroup
        pos = match.end()
        if kind is None:  # white space and comments only
            continue
        klass = _CLASS_OF.get(kind)
        if klass is not None:  # a run of tokens
            last_end = match.end(kind)
            previous = klass if klass != _BULK else _bulk_class(text, match.start(kind), last_end)
            continue
        token_end = last_end  # where the significant token before this one ended
        last_end = match.end(kind)
        if kind == "brace":
            if previous == _OPERATOR or (previous == _COLON and stack and stack[-1] != _BLOCK):
                stack.append(_OBJECT)
                previous = _OPERATOR
            else:
                stack.append(_BLOCK)
                previous = _STATEMENT
        elif kind == "cbrace":
            top = stack[-1] if stack else -1
            if top == _TEMPLATE:  # the template goes on right after the "}"
                part = _TEMPLATE_PART.match(text, last_end)
                assert part is not None  # it matches up to the end of the text at worst
                pos = last_end = part.end()
                if part.group("close") == "`":
                    stack.pop()
                    previous = _OPERAND
                else:
                    previous = _OPERATOR
            elif top == _BLOCK:
                stack.pop()
                previous = _STATEMENT
            elif top == _OBJECT:
                stack.pop()
                previous = _OPERAND
            else:
                previous = _OPERAND  # unbalanced: ignored
        elif kind == "tick":
            part = _TEMPLATE_PART.match(text, pos)
            assert part is not None
            pos = last_end = part.end()
            if part.group("close") == "${":
                stack.append(_TEMPLATE)
                previous = _OPERATOR
            else:
                previous = _OPERAND
        elif kind == "slash":
            literal = None if previous == _OPERAND else _REGEX_RE.match(text, match.start())
            if literal is not None:
                pos = last_end = literal.end()
                previous = _OPERAND
            else:
                division = _DIVISION_RE.match(text, match.start())
                assert division is not None  # a "/" that starts no comment
                pos = last_end = division.end()
                previous = _OPERATOR
        elif kind == "import":
            after = _after("import").match(text, pos)
            previous = _OPERAND
            if after is None or after.group("dot") is not None:
                pass  # import.meta, { import: 1 }, a syntax error
            elif after.group("call") is None:
                closed = after.group("fd") is not None or after.group("fs") is not None
                specifier, start, end = _literal(after, "f" if closed else "b")
                found.append((specifier, "static", start, end))
                pos = last_end = after.end()
                previous = _STATEMENT
            elif after.group("ld") is not None or after.group("ls") is not None:
                if not _is_method(text, after, stack):
                    specifier, start, end = _literal(after, "l")
                    found.append((specifier, "dynamic", start, end))
                pos = after.start("call")  # the literal and ")" are read as ordinary tokens
            elif after.group("tv") is not None:
                if not _is_method(text, after, stack):
                    start, end = after.span("tv")
                    found.append((_decode(after.group("tv"), template=True), "dynamic", start, end))
                pos = after.start("call")
            else:
                calls.append(_Call(after.end("argstart"), _in_braces(stack)))
                stack.append(_IMPORT_CALL)
                pos = last_end = after.end("call")
                previous = _OPERATOR
        elif kind == "export":
            after = _after("export").match(text, pos)
            if after is not None:
                specifier, start, end = _literal(after, "e")
                found.append((specifier, "export", start, end))
                pos = last_end = after.end()
            previous = _STATEMENT
        elif kind == "head":
            stack.append(_HEAD_PAREN)
            heads += 1
            previous = _OPERATOR
        elif kind == "paren":
            stack.append(_PAREN)
            previous = _OPERATOR
        elif kind == "cparen":
            top = stack[-1] if stack else -1
            if top == _HEAD_PAREN:
                stack.pop()
                heads -= 1
                previous = _STATEMENT
            else:
                if top == _PAREN:
                    stack.pop()
                elif top == _IMPORT_CALL:
                    stack.pop()
                    call = calls.pop()
                    if not call.in_braces or _METHOD_BODY.match(text, pos) is None:
                        found.append(call.raw(token_end))  # else "import(x) {": a method
                previous = _OPERAND  # (an unbalanced ")" is ignored)
        elif kind == "comma":
            if stack and stack[-1] == _IMPORT_CALL and calls[-1].end < 0:
                calls[-1].end = max(token_end, calls[-1].start)
            previous = _OPERATOR
        elif kind == "bracket":
            stack.append(_BRACKET)
            previous = _OPERATOR
        else:  # cbracket
            if stack and stack[-1] == _BRACKET:
                stack.pop()
            previous = _OPERAND

    for call in calls:  # calls left open by the end of the text
        found.append(call.raw(last_end))
    found.sort(key=lambda raw: raw[2])
    return found


def _with_positions(text: str, raws: list[_Raw]) -> list[ModuleImport]:
    """Attach line and column to imports sorted by ``start``. No import starts between the CR
    and LF of a CRLF (a specifier starts after a quote, an argument after "(" and white space),
    as ``line_columns`` requires."""
    places = line_columns(text, (raw[2] for raw in raws))
    return [
        ModuleImport(specifier, kind, start, end, line, column)
        for (specifier, kind, start, end), (line, column) in zip(raws, places, strict=True)
    ]


def scan_imports(text: str) -> list[ModuleImport]:
    """Every import of the ES module ``text``, in source order.

    Static imports, ``export ... from`` and ``import(...)`` calls, with their specifiers
    decoded; an ``import(...)`` whose argument is not a literal has ``specifier=None``.
    Nothing inside comments, strings, template text or regular expressions counts. Which
    specifiers resolve, and to what, is the caller's business. Never raises.
    """
    limit = _last_possible_import(text)
    if limit < 0:
        return []
    return _with_positions(text, _scan_raw(text, limit))
