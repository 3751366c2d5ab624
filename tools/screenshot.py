"""Take the README screenshot: start the app, ask a question in headless Chromium, save a PNG.

    python tools/screenshot.py [--out docs/screenshot.png] [--question "..."]

Needs Debian's chromium (/usr/bin/chromium) and the playwright package (no browser download: it
drives the system Chromium). The store must be ingested (`make ingest`).
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--question", default="Who owns an invention I made on the night shift?")
    args = parser.parse_args()
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            for _ in range(60):
                try:
                    page.goto(f"http://127.0.0.1:{port}", timeout=5000)
                    break
                except Exception:
                    time.sleep(1)
            box = page.get_by_placeholder("Ask about IP rules", exact=False)
            box.wait_for(timeout=180_000)
            box.fill(args.question)
            box.press("Enter")
            page.get_by_text("Is this answer right?").wait_for(timeout=180_000)
            page.locator("[data-testid='stExpander']").first.click()
            time.sleep(1.5)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=30)
    print(args.out)


if __name__ == "__main__":
    main()
