"""Near-duplicate panels (the same picture in v1 and v2 of a preprint, or reused by another paper),
found by perceptual hash. Two 64-bit hashes within `distance` bits agree exactly on at least one of
`distance + 1` slices of the hash (pigeonhole), so only hashes that share a slice are compared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _slices(value: int, parts: int, bits: int = 64) -> list[tuple[int, int]]:
    edges = [round(i * bits / parts) for i in range(parts + 1)]
    return [(i, (value >> edges[i]) & ((1 << (edges[i + 1] - edges[i])) - 1)) for i in range(parts)]


def duplicate_groups(hashes: Sequence[str], distance: int) -> list[list[int]]:
    """Groups (index lists, each sorted, two or more members) of hashes within `distance` bits of
    another member; hashes that are empty or not hex are never duplicates."""
    values: list[int | None] = []
    for h in hashes:
        try:
            values.append(int(h, 16) if h else None)
        except ValueError:
            values.append(None)
    uf = UnionFind(len(values))
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, v in enumerate(values):
        if v is not None:
            for key in _slices(v, distance + 1):
                buckets[key].append(i)
    for members in buckets.values():
        for a_pos, a in enumerate(members):
            va = values[a]
            for b in members[a_pos + 1:]:
                if uf.find(a) != uf.find(b) and bin(va ^ values[b]).count("1") <= distance:  # type: ignore[operator]
                    uf.union(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, v in enumerate(values):
        if v is not None:
            groups[uf.find(i)].append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def label_conflicts(items: Sequence, distance: int) -> list[list]:
    """Groups of near-duplicate items (anything with `phash`, `name` and `resolution.cls`) whose
    copies ended up with different classes, each group in name order: the same picture called
    COVID on one copy and not on another, which someone should look at."""
    groups = duplicate_groups([i.phash for i in items], distance)
    out = [sorted((items[k] for k in g), key=lambda i: i.name) for g in groups if len({items[k].resolution.cls for k in g}) > 1]
    return sorted(out, key=lambda g: g[0].name)
