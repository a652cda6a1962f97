"""Dependency order: every asset after the assets it references, cycles spelled out.

Owns: the topological order over logical paths and the cycle report.
Must not: know what the nodes are; it sees names and edges only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assetbuild.errors import Problem


@dataclass(frozen=True)
class Order:
    ordered: tuple[str, ...]  # each name after every name it depends on
    cycles: tuple[tuple[str, ...], ...]  # each as a path that returns to its start: (a, b, a)

    def cycle_problems(self, file_of: Callable[[str], str]) -> list[Problem]:
        """Each cycle as an error, at ``file_of`` its first name."""
        return [
            Problem(
                f"reference cycle: {' -> '.join(cycle)}; remove one of these references",
                file_of(cycle[0]),
            )
            for cycle in self.cycles
        ]


def dependency_order(edges: Mapping[str, Sequence[str]]) -> Order:
    """Order ``edges`` (name -> names it depends on); names only reached as targets are leaves.

    Iterative depth-first search, so a long chain of imports cannot hit the recursion limit.
    The result depends only on ``edges``' contents (nodes and targets are visited sorted).
    """
    done: set[str] = set()
    on_path: dict[str, int] = {}
    ordered: list[str] = []
    cycles: list[tuple[str, ...]] = []
    for root in sorted(edges):
        if root in done:
            continue
        path: list[str] = [root]
        on_path[root] = 0
        stack = [iter(sorted(set(edges.get(root, ()))))]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                node = path.pop()
                del on_path[node]
                done.add(node)
                ordered.append(node)
                continue
            if child in done:
                continue
            if child in on_path:
                cycles.append((*path[on_path[child] :], child))
                continue
            on_path[child] = len(path)
            path.append(child)
            stack.append(iter(sorted(set(edges.get(child, ())))))
    return Order(tuple(ordered), tuple(cycles))
