"""Kubernetes quantities as the metrics API and node capacities write them."""

import pytest

from integrations import quantities


def test_cpu_quantities_become_millicores():
    assert [quantities.millicores(q) for q in ("1250m", "3n", "18250000000n", "96", "2e3", "500u")] == [
        1250,
        0,
        18250,
        96000,
        2000000,
        0,
    ]


def test_memory_quantities_become_bytes():
    assert [
        quantities.to_bytes(q) for q in ("12345Ki", "1.5Gi", "1Ti", "128Mi", "1K", "2M", "1e3", "1E")
    ] == [12345 * 1024, 3 * 2**29, 2**40, 128 * 2**20, 1000, 2_000_000, 1000, 10**18]


def test_a_quantity_with_an_unknown_suffix_is_rejected():
    with pytest.raises(ValueError):
        quantities.parse("12 bananas")
