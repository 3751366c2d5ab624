"""Small real documents and conditions for the robustness tests (issue 8), shared by its test files."""
from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

INVENTION_POLICY = """---
title: "Service Invention Policy"
doc_id: POL-IP-001
version: 2.0
---
# Service Invention Policy

## 1. Ownership

An invention made by an employee while performing the duties of the job belongs to the company.
This includes inventions made on night shifts and at weekends when company equipment is used.

## 2. Disclosure

Every invention must be disclosed to the IP Office within thirty days of its conception.
The disclosure form lists the inventors, the date of conception and the project number.

## 3. Rewards

Inventors receive a filing bonus of 3,000 euros when the company files a patent application.
A grant bonus of 5,000 euros follows when the patent is granted.
"""

OPEN_SOURCE_POLICY = """---
title: Open Source Software Policy
doc_id: POL-IP-004
version: 1.0
---
# Open Source Software Policy

## 1. Publishing code

Company source code must never be pushed to a personal GitHub account, even in a private repository.
Publishing company code as open source needs written approval from the Open Source Review Board.

## 2. Licences

Software under the GPL may be used in internal tools but not linked into products that are shipped.
Permissive licences such as MIT and Apache 2.0 may be used after a licence check.
"""

TRADE_SECRET_NOTE = """# Trade Secret Handling

## Marking

Documents that hold trade secrets carry the marking CONFIDENTIAL on every page.
Confidential documents are kept in locked cabinets or in the restricted document system.

## Visitors

Visitors sign a non-disclosure agreement before they enter a laboratory.
A visitor is accompanied by an employee at all times inside the production area.
"""


def write_tiny_corpus(root: Path) -> Path:
    """Three short Markdown documents: quick to embed, enough to answer and to compare."""
    (root / "policies").mkdir(parents=True, exist_ok=True)
    (root / "lectures").mkdir(exist_ok=True)
    (root / "policies" / "service-inventions.md").write_text(INVENTION_POLICY, encoding="utf-8")
    (root / "policies" / "open-source.md").write_text(OPEN_SOURCE_POLICY, encoding="utf-8")
    (root / "lectures" / "trade-secrets.md").write_text(TRADE_SECRET_NOTE, encoding="utf-8")
    return root


NOBODY = 65534


@contextmanager
def unprivileged():
    """Run as an ordinary user, so that file permissions apply (root reads everything)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@contextmanager
def world_writable_dir():
    """A scratch folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="robust-", dir="/tmp"))
    base.chmod(0o777)
    try:
        yield base
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o777)
        shutil.rmtree(base, ignore_errors=True)


def open_to_all(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod(0o777 if path.is_dir() else 0o666)


def make_unreadable(path: Path) -> None:
    path.chmod(0)


def readable_again(path: Path) -> None:
    path.chmod(0o777 if path.is_dir() else 0o666)


def pdf_with_image_pages(path: Path, text_pages: list[str], image_pages: int) -> None:
    """Typed pages followed by pages that are only a picture (a scan without a text layer)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for text in text_pages:
        y = 800
        for line in text.splitlines():
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    picture = Image.new("RGB", (200, 280), (235, 235, 235))
    for x in range(20, 180, 10):  # some strokes, as a scanned page has
        for y in range(30, 250):
            picture.putpixel((x, y), (20, 20, 20))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    for _ in range(image_pages):
        buffer.seek(0)
        pdf.drawImage(ImageReader(buffer), 72, 200, width=400, height=560)
        pdf.showPage()
    pdf.save()


def pdf_of_pages(path: Path, pages: list[list[str]]) -> None:
    """A typed PDF, one list of lines per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()


def is_world_readable(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IROTH)
