from __future__ import annotations

import pytest
from cleanroom_helpers import Protocol


@pytest.fixture
def protocol() -> Protocol:
    return Protocol()
