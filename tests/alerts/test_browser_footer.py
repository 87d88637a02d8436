"""On a short notice page the footer sits at the bottom of the window, on a computer and on a
phone, rather than floating mid-screen with white below it."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("size", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_footer_reaches_the_bottom_of_a_short_notice_page(
    page: Any, size: tuple[int, int]
) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/alertes/")  # no notice in force: a short page (on a computer)
    bottom = page.evaluate(
        "document.querySelector('.site-footer').getBoundingClientRect().bottom + window.scrollY"
    )
    document = page.evaluate("document.documentElement.scrollHeight")
    assert abs(bottom - document) <= 1  # nothing under the footer
    assert bottom >= height - 1  # and no white band under it in the window
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"alerts-footer-{width}x{height}.png"))
