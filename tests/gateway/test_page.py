"""The web page in headless Chromium (Debian's, driven by Playwright) against the real stack."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.conftest import Stack
from tests.gateway.factories import galaxy_image_bytes

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect, sync_playwright

    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield browser
            browser.close()

    @pytest.fixture
    def page(browser: Browser, stack: Stack) -> Iterator[Page]:
        context = browser.new_context(base_url=stack.url)
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()


def image_loaded(page: "Page", selector: str) -> int:
    """Natural width of an <img> once it has loaded (0 while broken or empty)."""
    page.wait_for_function(
        "sel => { const i = document.querySelector(sel);"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )
    return int(page.eval_on_selector(selector, "i => i.naturalWidth"))


def test_pgc_query_shows_answer_images_and_flavors(page: "Page") -> None:
    page.goto("/")
    expect(page).to_have_title("Incline — galaxy inclinations")
    page.fill("#pgc-input", "42038")
    page.click("#pgc-form button")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#median")).to_have_text(re.compile(r"^\d+\.\d°$"))
    expect(page.locator("#flavors tbody tr")).to_have_count(3)
    expect(page.locator("#alarm")).to_contain_text("threshold")
    expect(page.locator("#galaxy")).to_contain_text("4565")
    expect(page.locator("#error")).to_be_hidden()
    assert image_loaded(page, "#cutout-img") > 128
    assert image_loaded(page, "#preview-img") == 128


def test_upload_shows_answer_and_network_input(page: "Page", tmp_path: Path) -> None:
    image = tmp_path / "my-galaxy.png"
    image.write_bytes(galaxy_image_bytes("PNG", seed=41, axis_ratio=0.8))
    page.goto("/")
    page.set_input_files("#file-input", str(image))
    page.click("#upload-form button")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#flavors tbody tr")).to_have_count(3)
    expect(page.locator("#provenance")).to_contain_text("upload")
    expect(page.locator("#galaxy")).to_contain_text("my-galaxy.png")
    assert image_loaded(page, "#cutout-img") == 256
    assert image_loaded(page, "#preview-img") == 128


def test_errors_are_readable(page: "Page", tmp_path: Path) -> None:
    page.goto("/")
    page.fill("#pgc-input", "99999955")
    page.click("#pgc-form button")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("(404)")
    expect(page.locator("#result")).to_be_hidden()

    broken = tmp_path / "notes.txt"
    broken.write_text("this is not an image\n" * 10)
    page.set_input_files("#file-input", str(broken))
    page.click("#upload-form button")
    expect(page.locator("#error")).to_contain_text("not an image")


def test_coordinates_with_field_of_view(page: "Page") -> None:
    page.goto("/")
    page.fill("#ra-input", "230.75")
    page.fill("#dec-input", "3.25")
    page.fill("#fov-input", "1.5")
    page.click("#coord-form button")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#galaxy")).to_contain_text("no catalog galaxy")
    assert image_loaded(page, "#preview-img") == 128
