"""End to end in a real browser, through all three roles: the Streamlit server, headless Chromium.

Staff ask, open the cited page's picture and give feedback; Legal find the answer, mark it and
export; an admin uploads a changed policy and re-ingests, and Legal see the earlier answer flagged
stale. Needs Debian's chromium (`.ci/run` installs it) and the playwright package, which drives
that browser without downloading one; skipped when either is missing. With SCREENSHOT_DIR set it
saves the three pages there, which is how the README screenshots are made:

    SCREENSHOT_DIR=docs .venv/bin/python -m pytest tests/test_e2e_browser.py
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.answer_log import AnswerLog
from assistant.auth import hash_password
from assistant.config import PROJECT_ROOT

from .conftest import CORPUS, free_port, make_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PASSWORD = "walk-through password"
QUESTION = "Can I put our code on GitHub?"
SLOW = 300_000  # ms: an answer on a busy 2-core machine, the first one loading the models
POLICY = "policies/open-source-software.pdf"


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
def walk_env(tmp_path, embeddings):
    """A private corpus and store (the admin changes them), an answer log, local passwords."""
    from assistant.ingest import Ingestor

    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    for name in ("open-source-software.pdf", "trade-secret-protection.pdf"):
        shutil.copy(CORPUS / "policies" / name, corpus / "policies" / name)
    settings = make_settings(tmp_path / "store", corpus)
    assert not Ingestor(settings).run(corpus).failed
    return {
        "ASSISTANT_STORE_DIR": str(settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path / 'answers.sqlite3'}",
        "ASSISTANT_FEEDBACK_LOG": str(tmp_path / "old.jsonl"),
        "ASSISTANT_ADMIN_PASSWORD_HASH": hash_password(PASSWORD),
        "ASSISTANT_LEGAL_PASSWORD_HASH": hash_password(PASSWORD),
        "HF_HUB_OFFLINE": "1",
    }


@pytest.fixture
def app_url(walk_env):
    port = free_port()
    env = {**os.environ, **walk_env}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "streamlit_app.py"), "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def changed_policy(path: Path) -> Path:
    """The same policy re-issued as version 2.1: other bytes, other version."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(str(CORPUS / POLICY))
    writer = PdfWriter(clone_from=reader)
    keywords = str(reader.metadata.get("/Keywords", ""))
    writer.add_metadata({"/Keywords": re.sub(r"version=[\d.]+", "version=2.1", keywords)})
    writer.write(str(path))
    return path


def screenshot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.wait_for_timeout(1500)  # let expanders and images finish drawing; not an assertion
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def sign_in(browser, url: str, role: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{url}/account", timeout=120_000)
    page.get_by_text("Password").first.wait_for(timeout=SLOW)
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=role).click()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in for").wait_for(timeout=SLOW)
    return page


def open_page(page, title: str) -> None:
    """Through the sidebar navigation, which keeps the session (and so the sign-in)."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()


def wait_for_log(database_url: str, condition, timeout: float = 60.0):
    log = AnswerLog(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entries = log.entries()
            if entries and condition(entries[0]):
                return entries[0]
            time.sleep(0.5)
        return log.entries()[0] if log.entries() else None
    finally:
        log.close()


def show_page_picture(source) -> None:
    """Switch the source's page picture on and wait for it. Once in a full-suite run the toggle's
    click was lost in a rerun (the switch stayed off, no picture in 300 s): click only while the
    switch is off, so a late click is never undone by a second one."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    switch = source.locator("input[type='checkbox']").first
    image = source.locator("[data-testid='stImage'] img")
    for _ in range(3):
        if not switch.is_checked():
            source.get_by_text("Show the page").click()
        try:
            image.wait_for(timeout=60_000)
            return
        except PlaywrightTimeoutError:
            continue
    image.wait_for(timeout=SLOW)


def test_staff_legal_and_admin_walk_through(browser, app_url, walk_env, tmp_path):
    database = walk_env["ASSISTANT_DATABASE_URL"]

    # Staff: ask, read the cited source's page picture, give feedback.
    staff = browser.new_page(viewport={"width": 1400, "height": 1100})
    staff.goto(app_url, timeout=120_000)
    box = staff.get_by_placeholder("Ask about IP rules", exact=False)
    box.wait_for(timeout=SLOW)
    box.fill(QUESTION)
    box.press("Enter")
    staff.locator("[data-testid='stFeedback']").first.wait_for(timeout=SLOW)
    answer = staff.locator("[data-testid='stChatMessage']").nth(1).inner_text()
    assert re.search(r"\[\d+\]", answer)
    first_source = staff.locator("[data-testid='stExpander']").first
    first_source.locator("summary").click()
    show_page_picture(first_source)
    screenshot(staff, "app-chat.png")
    staff.locator("[data-testid='stFeedback'] button").nth(1).click()  # thumbs down
    staff.get_by_label("Comment (optional)").wait_for(timeout=SLOW)
    staff.get_by_label("Comment (optional)").fill("Does this apply to test scripts?")
    staff.get_by_role("button", name="Send comment").click()
    logged = wait_for_log(database, lambda e: e.feedback_comment is not None)
    assert (logged.question, logged.feedback_label, logged.feedback_comment) == (QUESTION, "down", "Does this apply to test scripts?")
    assert any(c.source == POLICY for c in logged.citations)

    # Legal: find the answer, mark it, export.
    legal = sign_in(browser, app_url, "legal")
    open_page(legal, "Review")
    legal.get_by_text("Open an answer").wait_for(timeout=SLOW)
    legal.locator("[data-testid='stMarkdown']", has_text=QUESTION).first.wait_for(timeout=SLOW)  # the opened answer
    legal.get_by_text("Cited passages").wait_for(timeout=SLOW)
    legal.locator("[data-testid='stRadio']").get_by_text("wrong").click()
    legal.get_by_label("Note").fill("Needs the OSPO approval step")
    legal.get_by_role("button", name="Save mark").click()
    legal.get_by_text("Current mark: wrong").wait_for(timeout=SLOW)
    with legal.expect_download(timeout=SLOW) as download:
        legal.get_by_role("button", name="Export these answers (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [(r["question"], r["mark"], r["note"], r["feedback"]) for r in rows] == [
        (QUESTION, "wrong", "Needs the OSPO approval step", "down")
    ]
    screenshot(legal, "app-review.png")

    # Admin: upload a changed version of the cited policy, re-ingest.
    admin = sign_in(browser, app_url, "admin")
    open_page(admin, "Documents")
    admin.get_by_text("Run ingest").wait_for(timeout=SLOW)
    upload_form = admin.locator("[data-testid='stForm']").first
    upload_form.locator("[data-testid='stSelectbox']").click()
    admin.get_by_role("option", name="policies").click()
    upload_form.locator("input[type='file']").set_input_files(str(changed_policy(tmp_path / "open-source-software.pdf")))
    # The browser sends the file in the background; a submit before it arrived would save nothing
    # (under load this raced: the walk then waited in vain for "Saved ..."). Its chip shows, and its
    # progress bar goes, when it is in.
    upload_form.locator("[data-testid='stFileChipName']").wait_for(timeout=SLOW)
    upload_form.locator("[data-testid='stFileUploader'] [role='progressbar']").wait_for(state="detached", timeout=SLOW)
    upload_form.get_by_text("Replace files that already exist").click()
    upload_form.get_by_role("button", name="Save to the corpus").click()
    admin.get_by_text(f"Saved {POLICY} (replaced)").wait_for(timeout=SLOW)
    admin.get_by_role("button", name="Run ingest").click()
    summary = admin.locator("[data-testid='stCode']", has_text="ingest into")
    summary.wait_for(timeout=SLOW)
    assert "updated 1" in summary.inner_text()
    open_page(admin, "Documents")  # a fresh run of the page shows the new version in the table
    admin.get_by_text("Passages per document").wait_for(timeout=SLOW)
    screenshot(admin, "app-documents.png")

    # Legal: the earlier answer is now flagged stale, with both versions.
    legal.locator("[data-testid='stCheckbox']", has_text="Stale").click()
    flag = legal.get_by_text(re.compile(r"Stale: .*relied on v2\.0; now v2\.1"))
    flag.wait_for(timeout=SLOW)
    for page in (staff, legal, admin):
        page.close()
