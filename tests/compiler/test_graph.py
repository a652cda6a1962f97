from __future__ import annotations

from assetbuild.compiler.graph import dependency_order


def test_every_name_comes_after_what_it_depends_on() -> None:
    order = dependency_order({"app.css": ["theme.css", "logo.png"], "theme.css": ["bg.png"]})
    position = {name: i for i, name in enumerate(order.ordered)}
    assert position["theme.css"] < position["app.css"]
    assert position["bg.png"] < position["theme.css"]
    assert position["logo.png"] < position["app.css"]
    assert order.cycles == ()


def test_a_cycle_is_spelled_out_from_start_back_to_start() -> None:
    order = dependency_order({"a.css": ["b.css"], "b.css": ["c.css"], "c.css": ["a.css"]})
    assert order.cycles == (("a.css", "b.css", "c.css", "a.css"),)


def test_a_file_that_references_itself_is_a_cycle() -> None:
    assert dependency_order({"a.css": ["a.css"]}).cycles == (("a.css", "a.css"),)


def test_a_chain_longer_than_the_recursion_limit_is_ordered() -> None:
    edges = {f"{i}.css": [f"{i + 1}.css"] for i in range(5000)}
    order = dependency_order(edges)
    assert order.ordered[0] == "5000.css"
    assert order.ordered[-1] == "0.css"


def test_the_order_does_not_depend_on_insertion_order() -> None:
    one = dependency_order({"b": ["x", "y"], "a": ["y", "x"]})
    two = dependency_order({"a": ["x", "y"], "b": ["y", "x"]})
    assert one.ordered == two.ordered
