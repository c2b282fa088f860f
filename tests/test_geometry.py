import numpy as np

from figscrape import geometry as g


def test_iou_of_identical_disjoint_and_half_overlapping_boxes() -> None:
    a = (0.0, 0.0, 10.0, 10.0)
    assert g.iou(a, a) == 1.0
    assert g.iou(a, (20.0, 20.0, 30.0, 30.0)) == 0.0
    assert abs(g.iou(a, (5.0, 0.0, 15.0, 10.0)) - 1 / 3) < 1e-9


def test_gap_is_zero_when_touching_and_chebyshev_otherwise() -> None:
    assert g.gap((0, 0, 10, 10), (10, 0, 20, 10)) == 0
    assert g.gap((0, 0, 10, 10), (13, 14, 20, 20)) == 4


def test_group_near_links_transitively_and_keeps_far_boxes_apart() -> None:
    boxes = [(0, 0, 10, 10), (14, 0, 24, 10), (28, 0, 38, 10), (100, 100, 110, 110)]
    assert g.group_near(boxes, 5) == [[0, 1, 2], [3]]
    assert g.group_near(boxes, 3) == [[0], [1], [2], [3]]


def test_group_near_handles_many_boxes_quickly() -> None:
    boxes = [(float(i % 300), float(i // 300), i % 300 + 0.5, i // 300 + 0.5) for i in range(60_000)]
    groups = g.group_near(boxes, 1.0)
    assert len(groups) == 1 and len(groups[0]) == 60_000


def test_group_near_groups_a_few_boxes_as_it_groups_many() -> None:
    rng = np.random.default_rng(5)
    for _ in range(40):
        n = int(rng.integers(2, 60))
        corner = rng.uniform(0, 300, (n, 2))
        boxes = [tuple(map(float, b)) for b in np.hstack([corner, corner + rng.uniform(0, 40, (n, 2))])]
        tol = float(rng.choice([0.0, 2.0, 6.0, 24.0]))
        padded = boxes + [(1000.0 + 3 * i, 1000.0, 1001.0 + 3 * i, 1001.0) for i in range(g.PAIRWISE_LIMIT)]  # many boxes, painted
        assert g.group_near(boxes, tol) == [grp for grp in g.group_near(padded, tol) if grp[0] < n]


def test_union_and_overlap_fraction() -> None:
    assert g.union([(0, 5, 1, 6), (-1, 2, 0, 3)]) == (-1, 2, 1, 6)
    assert g.overlap_fraction((0, 0, 10, 10), (5, 0, 20, 10)) == 0.5
