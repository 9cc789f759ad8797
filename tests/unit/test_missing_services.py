"""A missing service or missing shared data skips a test, except under DOSSIER_REQUIRE_SERVICES=1
(CI), where it fails it: nothing the suite depends on may silently drop out of a CI run."""

from __future__ import annotations

import pytest

from tests.support.env import need, need_shared


@pytest.mark.parametrize("check", [lambda: need_shared("no-such-folder", "x.txt"),
                                   lambda: need("DOSSIER_TEST_NO_SUCH_SERVICE_URL")],
                         ids=["shared data", "service"])
def test_missing_skips_or_fails_under_require_services(check: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert callable(check)
    monkeypatch.delenv("DOSSIER_TEST_NO_SUCH_SERVICE_URL", raising=False)
    monkeypatch.delenv("DOSSIER_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception):
        check()
    monkeypatch.setenv("DOSSIER_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="DOSSIER_REQUIRE_SERVICES=1"):
        check()


def test_present_shared_data_is_returned(shared_data: object) -> None:
    path = need_shared("extraction_gold", "labels")
    assert path.is_dir() and any(path.glob("*.json"))
