"""The page for people (src/ecs_tagger/service/page/) in headless Chromium: type a text, click,
see the areas, the highlighted evidence and similar initiatives in other regions; switch to
English. Needs Debian's chromium and chromium-driver (CI installs them); set
ECS_TAGGER_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from service_support import main_server

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
# Energy and nothing else (biogas on dairy farms, the earlier text, is food too for some models:
# farming is in the food area's scope).
TEXT = (
    "Projektet bygger solcellsparker och batterilager som stärker elnätet i länet. Överskottsel "
    "från solcellerna lagras som vätgas för tunga transporter."
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() or not DRIVER.exists(),
        reason="needs Debian's chromium and chromium-driver at /usr/bin "
        "(apt-get install chromium chromium-driver; .ci/run installs them)",
    ),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1200,1800",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def keep(driver, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    driver.save_screenshot(str(path))
    folder = os.environ.get("ECS_TAGGER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, Path(folder) / name)


def test_type_click_and_see_the_tags(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    server = main_server()
    browser.get(server.url + "/")
    wait = WebDriverWait(browser, 180)
    # With an index, the page offers the regions to find initiatives elsewhere.
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#region option")) > 1)
    browser.find_element(By.ID, "lang-sv").click()  # the page starts in the browser's language
    Select(browser.find_element(By.ID, "region")).select_by_value("Örebro")
    browser.find_element(By.ID, "text").send_keys(TEXT)
    browser.find_element(By.ID, "tag").click()

    wait.until(shown.visibility_of_element_located((By.CSS_SELECTOR, "li.area.tagged")))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#hits li.hit"))  # the last answer
    tagged = browser.find_elements(By.CSS_SELECTOR, "li.area.tagged")
    assert [item.get_attribute("data-code") for item in tagged] == ["energy"]
    assert "Morgondagens energilösningar" in tagged[0].text
    assert "poäng" in tagged[0].text and "nyckelord" in tagged[0].text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#areas li")) == 4
    marks = browser.find_elements(By.CSS_SELECTOR, "#evidence-text mark")
    assert marks and all("energy" in m.get_attribute("data-areas") for m in marks)
    assert (
        browser.find_element(By.ID, "evidence-text").text.replace("\n", " ").startswith("Projektet")
    )

    hits = browser.find_elements(By.CSS_SELECTOR, "#hits li.hit")
    assert hits and all(
        "Örebro" not in hit.find_element(By.CLASS_NAME, "hit-meta").text for hit in hits
    )
    assert "Varför" in browser.find_element(By.ID, "hits").text
    keep(browser, tmp_path, "service-page-sv.png")

    browser.find_element(By.ID, "lang-en").click()
    assert browser.find_element(By.CSS_SELECTOR, "#result h2").text == "Areas"
    assert "Energy solutions of tomorrow" in browser.find_element(By.ID, "areas").text
    assert "Why" in browser.find_element(By.ID, "hits").text
    keep(browser, tmp_path, "service-page-en.png")

    # Nothing was loaded from elsewhere, and the browser reported no error.
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(name.startswith(server.url) for name in resources), resources
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_the_page_asks_for_the_key_when_the_service_has_one(browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from service_support import API_KEY, keyed_server

    server = keyed_server()
    browser.get(server.url + "/")
    wait = WebDriverWait(browser, 120)
    wait.until(lambda d: d.find_element(By.ID, "key-field").is_displayed())
    browser.find_element(By.ID, "key").send_keys(API_KEY)
    browser.find_element(By.ID, "text").send_keys(TEXT)
    browser.find_element(By.ID, "tag").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "li.area.tagged"))
    assert (
        browser.find_element(By.CSS_SELECTOR, "li.area.tagged").get_attribute("data-code")
        == "energy"
    )
