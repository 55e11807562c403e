"""The sandbox's tests validate against copies of the shared wire contracts (so they run
anywhere). Where the shared originals sit beside the checkout, the copies must match them."""

from __future__ import annotations

from pathlib import Path

import pytest

COPIES = Path(__file__).parent / "specs"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "specs"


@pytest.mark.parametrize("name", sorted(p.name for p in COPIES.iterdir()))
def test_copy_matches_shared_original(name: str) -> None:
    original = SHARED / name
    if not SHARED.is_dir():
        # No shared/ beside this checkout: nothing to compare with, the copy is the contract.
        assert (COPIES / name).stat().st_size > 0
        return
    assert (COPIES / name).read_bytes() == original.read_bytes(), (
        f"tests/sandbox/specs/{name} differs from {original}; copy the original over it"
    )
