"""End to end in a real browser: the Streamlit server, headless Chromium, a question, a cited answer.

Needs Debian's chromium (`.ci/run` installs it when it can) and the playwright package, which drives
that browser without downloading one; skipped when either is missing. With SCREENSHOT=PATH set it
also saves the page, which is how the README screenshot is made:

    SCREENSHOT=docs/screenshot.png .venv/bin/python -m pytest tests/test_e2e_browser.py
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from assistant.config import PROJECT_ROOT

from .conftest import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app_url(sample_settings, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_STORE_DIR": str(sample_settings.store_dir),
        "ASSISTANT_FEEDBACK_LOG": str(tmp_path / "reviews.jsonl"),
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("ASSISTANT_CHROMA_HOST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "streamlit_app.py"), "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_staff_member_asks_and_reads_a_cited_source(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(app_url, timeout=60_000)
    box = page.get_by_placeholder("Ask about IP rules", exact=False)
    box.wait_for(timeout=180_000)
    box.fill("Who owns an invention I made on the night shift?")
    box.press("Enter")
    page.get_by_text("Is this answer right?").wait_for(timeout=180_000)
    answer = page.locator("[data-testid='stChatMessage']").nth(1).inner_text()
    assert re.search(r"\[\d+\]", answer)
    first_source = page.locator("[data-testid='stExpander']").first
    assert "Service Inventions Policy" in first_source.inner_text() or "Lecture" in first_source.inner_text()
    first_source.click()
    assert "policies/" in first_source.inner_text() or "lectures/" in first_source.inner_text()
    if os.environ.get("SCREENSHOT"):
        time.sleep(1.5)  # let the expander finish opening
        page.screenshot(path=os.environ["SCREENSHOT"], full_page=True)
    page.close()
