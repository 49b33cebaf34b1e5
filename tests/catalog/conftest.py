from __future__ import annotations

import pytest

from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.models import Unit


@pytest.fixture
def demo_catalogue(province_tree: dict[str, Unit]) -> dict[str, Unit]:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return t
