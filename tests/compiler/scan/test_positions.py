from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assetbuild.compiler.scan.positions import LineIndex, line_columns


def test_lines_end_at_lf_cr_and_crlf_and_columns_count_characters() -> None:
    text = "ab\ncd\r\néf\rgh"
    offsets = [0, 4, 8, 10]
    assert list(line_columns(text, offsets)) == [(1, 1), (2, 2), (3, 2), (4, 1)]


@given(st.text(alphabet="ab\n\r\x0cé"), st.data())
def test_the_incremental_count_equals_counting_from_the_start(
    text: str, data: st.DataObject
) -> None:
    allowed = [
        i
        for i in range(len(text) + 1)
        if not (i > 0 and text[i - 1] == "\r" and text[i : i + 1] == "\n")
    ]
    offsets = sorted(data.draw(st.lists(st.sampled_from(allowed), max_size=6)))
    for offset, (line, column) in zip(offsets, line_columns(text, offsets), strict=True):
        head = text[:offset].replace("\r\n", "\n").replace("\r", "\n")
        assert line == head.count("\n") + 1
        assert column == offset - max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset))


@given(st.text(alphabet="ab\n\r\x0c\u2028é"), st.data())
def test_the_index_numbers_offsets_in_any_order_as_the_incremental_count_does(
    text: str, data: st.DataObject
) -> None:
    allowed = [
        i
        for i in range(len(text) + 1)
        if not (i > 0 and text[i - 1] == "\r" and text[i : i + 1] == "\n")
    ]
    offsets = data.draw(st.lists(st.sampled_from(allowed), max_size=6))
    index = LineIndex(text)
    expected = dict(zip(sorted(offsets), line_columns(text, sorted(offsets)), strict=True))
    assert [index.place(offset) for offset in offsets] == [expected[o] for o in offsets]
