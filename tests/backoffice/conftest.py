import pytest

from tests.portal.support import ensure_compiled_messages


@pytest.fixture(scope="session", autouse=True)
def _compiled_messages() -> None:
    ensure_compiled_messages()
