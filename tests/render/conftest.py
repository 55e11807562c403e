from __future__ import annotations

import pytest

from reconciler.model import Plan
from tests.render.plans import make_plan


@pytest.fixture
def plan() -> Plan:
    return make_plan()
