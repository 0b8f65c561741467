"""The web page and the API docs in headless Chromium (Debian's, driven by Playwright) against
the real stack, every request outside 127.0.0.1 blocked (as on a machine without internet)."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.gateway.conftest import Stack
from tests.gateway.factories import example_result, galaxy_image_bytes, older_result

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

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
    def outside() -> list[str]:
        """The requests the page tried outside 127.0.0.1 (each one blocked)."""
        return []

    @pytest.fixture
    def page(browser: Browser, stack: Stack, outside: list[str]) -> Iterator[Page]:
        context = browser.new_context(base_url=stack.url)

        def loopback_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", loopback_only)
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
    expect(page.locator("#preview-caption")).not_to_contain_text("off centre")
    expect(page.locator("#framing-svg rect")).to_have_count(0)
    # the image's own axial ratio, drawn on the scale and said beside the uncertainty
    expect(page.locator("#scale-svg rect.axial-image")).to_have_count(1)
    expect(page.locator("#scale-svg rect.axial-image title")).to_contain_text("second opinion")
    expect(page.locator("#uncertainty")).to_have_attribute(
        "title", re.compile(r"the image's axial ratio says \d+(\.\d)?°"))


def test_upload_off_centre_says_where_the_galaxy_was_found(page: "Page", tmp_path: Path) -> None:
    image = tmp_path / "corner.png"
    image.write_bytes(galaxy_image_bytes("PNG", seed=42, shift=0.3, scale=0.03))
    page.goto("/")
    page.set_input_files("#file-input", str(image))
    page.click("#upload-form button")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#preview-caption")).to_contain_text("centred on the galaxy found off")
    assert image_loaded(page, "#preview-img") == 128
    # the square measured, drawn over the upload (256 px shown for 256 px: scale 1)
    square = page.locator("#framing-svg rect.framing")
    expect(square).to_have_count(1)
    x, side = float(square.get_attribute("x") or "nan"), float(square.get_attribute("width") or 0)
    centre = float(page.locator("#framing-svg circle.framing").get_attribute("cx") or "nan")
    assert abs(x + side / 2 - centre) < 0.5 and abs(centre - (128 - 0.3 * 256)) < 4
    expect(page.locator(".images figcaption").first).to_contain_text("the square measured")


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


@pytest.mark.parametrize("service", ["gateway", "catalog"])
def test_docs_show_the_operations_offline(
    page: "Page", stack: Stack, outside: list[str], service: str
) -> None:
    page.goto(f"{stack.services()[service].url}/docs")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = operations.all_inner_texts()
    assert "/healthz" in "".join(paths)
    if service == "gateway":
        assert {"/api/pgc/{pgc}", "/api/batch", "/api/coord"} <= {
            p.replace("\u200b", "") for p in paths
        }
    assert outside == []


def test_redoc_shows_the_operations_offline(page: "Page", outside: list[str]) -> None:
    page.goto("/redoc")
    heading = page.locator("h2", has_text="Inclination of a galaxy by its PGC number")
    expect(heading).to_be_visible()
    # ReDoc's bundle always asks for its footer logo (hidden when it fails); nothing else.
    assert set(outside) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


def test_answer_drawn_on_the_inclination_scale(page: "Page", outside: list[str]) -> None:
    page.goto("/")
    page.fill("#name-input", "NGC 4565")
    page.click("#name-form button")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#scale-svg circle.flavor")).to_have_count(3)
    expect(page.locator("#scale-svg line.median")).to_have_count(1)
    expect(page.locator("#scale-svg rect.band")).to_have_count(1)
    expect(page.locator("#verdict")).to_be_hidden()
    expect(page.locator("#isophote-svg ellipse")).to_have_count(0)
    assert outside == []


def scale_x(degrees: float) -> float:
    return 24 + 592 * degrees / 90


def band(page: "Page") -> tuple[float, float]:
    x = float(page.get_attribute("#scale-svg rect.band", "x") or "nan")
    width = float(page.get_attribute("#scale-svg rect.band", "width") or "nan")
    return x, x + width


def show(page: "Page", result: dict[str, Any]) -> None:
    page.goto("/")
    page.evaluate("result => render(result, {})", result)
    expect(page.locator("#result")).to_be_visible()


def test_an_answer_without_interval_rejection_or_isophote(page: "Page") -> None:
    show(page, older_result())  # median 71.4, stdev 1.6, three flavors
    assert band(page) == pytest.approx((scale_x(69.8), scale_x(73.0)), abs=0.01)
    expect(page.locator("#uncertainty")).to_have_text("± 1.6° (68%: 69.8\u201373.0°, uncalibrated)")
    expect(page.locator("#verdict")).to_be_hidden()
    expect(page.locator("#isophote-svg ellipse")).to_have_count(0)
    expect(page.locator("#preview-caption")).to_have_text("What the network saw (128\u00d7128)")
    expect(page.locator("#scale-svg circle.axial")).to_have_count(1)  # the catalog's 72.3°
    expect(page.locator("#second-opinion")).to_be_hidden()
    expect(page.locator("#scale-svg rect.axial-image")).to_have_count(0)


@pytest.mark.parametrize("departs", [False, True])
def test_a_doubtful_answer_says_so(page: "Page", departs: bool) -> None:
    second = 55.0 if departs else 68.0
    result = example_result(inclination={
        "median": 71.4, "mean": 70.9, "stdev": 1.6, "sigma": 3.1, "interval": [66.0, 75.5],
        "axial_ratio_deg": second, "axial_ratio_departs": departs, "unit": "deg"})
    show(page, result)
    square = page.locator("#scale-svg rect.axial-image")
    expect(square).to_have_count(1)
    assert float(square.get_attribute("x") or "nan") + 5 == pytest.approx(scale_x(second))
    doubt = page.locator("#second-opinion")
    if departs:
        expect(doubt).to_be_visible()
        expect(doubt).to_contain_text("says 55.0°, 16.4° from the answer: a doubtful answer")
    else:
        expect(doubt).to_be_hidden()


def test_an_answer_with_interval_rejection_and_isophote(page: "Page") -> None:
    inclination = {
        "median": 71.4,
        "mean": 70.9,
        "stdev": 1.6,
        "sigma": 3.1,
        "interval": [66.0, 75.5],
    }
    result = example_result(
        inclination={**inclination, "unit": "deg"},
        rejection={"likelihood": 0.93, "verdict": "reject", "threshold": 0.5, "classes": {}},
        isophote={"q": 0.35, "pa_deg": 30.0, "sma_px": 40.0},
    )
    show(page, result)
    assert band(page) == pytest.approx((scale_x(66.0), scale_x(75.5)), abs=0.01)
    expect(page.locator("#uncertainty")).to_have_text("± 3.1° (68%: 66.0\u201375.5°)")
    expect(page.locator("#verdict")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("Rejected")
    expect(page.locator("#verdict")).to_contain_text("0.93")
    ellipse = page.locator("#isophote-svg ellipse")
    expect(ellipse).to_have_count(1)
    assert float(ellipse.get_attribute("rx") or 0) == 40.0
    assert float(ellipse.get_attribute("ry") or 0) == pytest.approx(14.0)
    assert ellipse.get_attribute("transform") == "rotate(-30 64 64)"
    expect(page.locator("#preview-caption")).to_contain_text("fitted isophote")


def test_sexagesimal_coordinates_on_the_page(page: "Page") -> None:
    page.goto("/")
    page.fill("#ra-input", "10h00m29.52s")
    page.fill("#dec-input", "+02:20:42")
    page.fill("#fov-input", "1.5")
    page.click("#coord-form button")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#galaxy")).to_contain_text("no catalog galaxy")
