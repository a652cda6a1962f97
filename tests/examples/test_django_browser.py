"""The Django example's admin and browsable API in Chromium, from gunicorn and WhiteNoise: the
pages Django and Django REST framework ship, unchanged, load every file from the release.

The ``browser`` (conftest.py) is Debian's ``/usr/bin/chromium``; without it these tests are
skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.examples import FINGERPRINTED, Server
from tests.examples.browsing import Visit, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("example", ["django_project"], indirect=True),
]

# The admin's header, var(--header-bg) in admin/css/base.css: #417690.
ADMIN_HEADER = "rgb(65, 118, 144)"


def loaded_without_a_failure(seen: Visit, server: Server) -> list[str]:
    """The /static/ URLs the page loaded, after checking that every request got a good answer."""
    assert seen.errors() == []
    assert seen.failed == []
    assert {url: status for url, status in seen.statuses.items() if status >= 400} == {}
    static = [url for url in seen.requested if url.startswith(server.url + "/static/")]
    for url in static:
        assert FINGERPRINTED.fullmatch(url.removeprefix(server.url)), url
    return static


def test_the_admin_login_page_loads_every_file_and_its_styles_apply(
    browser: Browser, server: Server
) -> None:
    with visit(browser, server.url + "/admin/login/") as seen:
        static = loaded_without_a_failure(seen, server)
        assert any("/static/admin/css/base." in url for url in static), static
        header = seen.page.eval_on_selector("#header", "e => getComputedStyle(e).backgroundColor")
        assert header == ADMIN_HEADER
        # login.css, a stylesheet of its own, applies too: the form is a narrow centred box.
        width = seen.page.eval_on_selector("#container", "e => e.getBoundingClientRect().width")
        assert width < 600


def test_the_browsable_api_loads_every_file_and_bootstrap_applies(
    browser: Browser, server: Server
) -> None:
    with visit(browser, server.url + "/api/greeting/") as seen:
        static = loaded_without_a_failure(seen, server)
        assert any("/static/rest_framework/css/bootstrap.min." in url for url in static), static
        # Bootstrap's navbar is fixed to the top; without the stylesheet it would be static.
        position = seen.page.eval_on_selector(".navbar", "e => getComputedStyle(e).position")
        assert position == "fixed"
