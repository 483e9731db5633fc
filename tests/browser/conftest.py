"""A real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) against the dashboard
function served by functions-framework on a free loopback port, on this test's own database, Redis and Graph API
stand-in (tests/conftest.py). Without chromium, chromium-driver or selenium the tests skip, unless
TUMBUH_REQUIRE_SERVICES is set (make test installs them): then they fail."""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from scripts.servers import HOST, Servers, free_port, functions_framework, server_env, wait_ready

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DESKTOP = (1280, 900)
PHONE = (360, 740)  # CSS pixels, a common small Android phone
PHONE_PIXEL_RATIO = 2.0  # screenshots of 720 x 1480: sharp enough to read, small enough to commit


def _require_browser() -> None:
    """Skip (or fail under TUMBUH_REQUIRE_SERVICES) when Chromium, its driver or Selenium is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if importlib.util.find_spec("selenium") is None:
        missing.append("the selenium package (requirements-dev.txt)")
    if missing:
        reason = (f"{', '.join(missing)} missing: make test installs Debian's chromium and chromium-driver, "
                  "and make venv the selenium package")
        if os.environ.get("TUMBUH_REQUIRE_SERVICES"):
            pytest.fail(reason + " (TUMBUH_REQUIRE_SERVICES is set: they should be there)")
        pytest.skip(reason)


@dataclass
class Browser:
    """A WebDriver session and what the test needs to know about it."""

    driver: Any  # selenium.webdriver.Chrome (imported only when the browser is there)
    size: str  # "desktop" or "phone"
    downloads: Path  # where Chromium saves downloads

    @property
    def phone(self) -> bool:
        return self.size == "phone"


@pytest.fixture(params=["desktop", "phone"])
def browser(request, tmp_path: Path) -> Iterator[Browser]:
    """Headless Chromium at a desktop window size, then at a 360 x 740 phone viewport (mobile emulation)."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.add_argument("--headless=new")
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    options.add_argument("--disable-dev-shm-usage")  # containers have a small /dev/shm
    options.add_argument("--hide-scrollbars")
    options.add_argument("--lang=id-ID")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    if request.param == "phone":
        width, height = PHONE
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": PHONE_PIXEL_RATIO, "touch": True}})
    else:
        options.add_argument("--window-size=%d,%d" % DESKTOP)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(20)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield Browser(driver, request.param, downloads)
    finally:
        driver.quit()


@pytest.fixture
def dashboard_url(local_env: dict[str, str], migrated, tmp_path: Path) -> Iterator[str]:
    """functions/dashboard served by functions-framework (as `make run` serves it) on a free port, on this test's
    stores: its base URL on http://localhost, where Chromium keeps Secure cookies and runs service workers."""
    servers = Servers(tmp_path / "logs")
    port = free_port()
    env = server_env(**local_env)
    for key in ("CLOUD_SQL_INSTANCE", "APPS_SCRIPT_URL"):
        env.pop(key, None)
    proc = servers.start("dashboard", functions_framework("dashboard", "dashboard", HOST, port), env)
    try:
        try:
            wait_ready(f"http://{HOST}:{port}/healthz", proc, 30, "browser test")
        except SystemExit as failed:
            log = (tmp_path / "logs" / "dashboard.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"{failed}\n{log}")
        yield f"http://localhost:{port}"
    finally:
        servers.stop()
