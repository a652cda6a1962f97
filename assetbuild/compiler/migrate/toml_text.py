"""TOML text for the converters: values and comments written so that they read back as meant.

Owns: a string as a TOML basic string (every character TOML forbids escaped), an array of
strings (on one line when it fits, else one item a line), and a comment line that holds any text.
Must not: decide what a config says (the converters do), or write a file.
"""

from __future__ import annotations

from collections.abc import Sequence

_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
# An array longer than this goes one item a line: ruff's and black's line length, with room.
_ONE_LINE = 88


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"{value!r} has a lone surrogate, which TOML (UTF-8) cannot hold")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_array(values: Sequence[str]) -> str:
    """``values`` as a TOML array of strings."""
    one_line = "[" + ", ".join(toml_string(v) for v in values) + "]"
    if len(one_line) <= _ONE_LINE:
        return one_line
    return "[\n" + "".join(f"    {toml_string(v)},\n" for v in values) + "]"


def toml_comment(text: str) -> str:
    """``text`` on one comment line: TOML comments may not hold control characters."""
    return "".join(
        char if char == "\t" or (ord(char) >= 0x20 and ord(char) != 0x7F) else f"\\x{ord(char):02x}"
        for char in text
    )
