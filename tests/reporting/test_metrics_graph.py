"""The bridges of the tie graph (articulation points), on graphs drawn by hand."""

from __future__ import annotations

from reporting.dashboard_cells import articulation_points


def test_a_path_is_bridged_by_every_inner_group():
    assert articulation_points([1, 2, 3, 4, 5], [(1, 2), (2, 3), (3, 4), (4, 5)]) == {2, 3, 4}


def test_a_cycle_has_no_bridge():
    assert articulation_points([1, 2, 3, 4], [(1, 2), (2, 3), (3, 4), (1, 4)]) == set()


def test_two_triangles_joined_at_one_group_are_bridged_by_it():
    edges = [(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (3, 5)]

    assert articulation_points(range(1, 6), edges) == {3}


def test_a_star_is_bridged_by_its_centre_even_as_the_search_root():
    assert articulation_points([1, 2, 3, 4], [(1, 2), (1, 3), (1, 4)]) == {1}


def test_separate_parts_and_isolated_groups_are_handled_apart():
    edges = [(1, 2), (2, 3), (10, 11)]

    assert articulation_points([1, 2, 3, 10, 11, 20], edges) == {2}


def test_ties_to_groups_outside_the_graph_and_loops_are_ignored():
    assert articulation_points([1, 2, 3], [(1, 2), (2, 3), (3, 99), (2, 2)]) == {2}


def test_a_long_chain_does_not_exhaust_the_recursion_limit():
    nodes = list(range(5000))
    edges = [(n, n + 1) for n in range(4999)]

    assert articulation_points(nodes, edges) == set(range(1, 4999))
