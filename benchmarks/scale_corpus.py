"""A ~100k-chunk benchmark corpus made from the 50 CUAD contracts (issue 11, scale).

    python benchmarks/scale_corpus.py [--out DIR] [--variants 20] [--seed 11]

The corpus holds the 50 original PDFs unchanged at its root (same file names, so the gold
(source, page) of ``questions-dev.jsonl`` and ``eval/cuad-questions.jsonl`` still applies) and, in
``variants/vNN/``, each contract again under new parties and dates: every word of the parties and
of the title that is a name (capitalised, never written in lower case anywhere in the 50 contracts,
not a legal-form or place word) is replaced by an invented name, month names and years of dates are
shifted. Deterministic: the same seed gives the same bytes.

Variants are PDFs with the original's pages (one variant page per original page, the text as the
project's loader extracted it, lines kept), so they go through the same loader as the originals
(page numbers, running lines, headings, parties) and cite pages. They are written by a minimal PDF
writer with the text as hex strings in Helvetica (WinAnsi): the text layer comes back from pypdf
line for line, and the loader's ruled-table test, which counts " re" and " l " in the content stream,
does not mistake words for drawing operators (reportlab's literal strings made it send every page
through pdfplumber's table finder, 3x slower). Characters outside WinAnsi (the few Chinese
characters) become "?". Ruled tables of the originals are read as plain lines in the variants.

20 variants of each of the 50 contracts plus the originals gives about 21 x 4,723 = 99k chunks.
The page texts of the originals are extracted once and kept in ``<out>.pages.json``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATOR_VERSION = "1"
CUAD_PDF = ROOT.parent / "shared" / "eval" / "cuad-ip" / "pdf"
DEFAULT_OUT = Path.home() / ".cache" / "ip-policy-assistant" / "bench" / "scale-100k"

# Capitalised words in parties and titles that are not names: kept as they are.
_KEEP = set(
    """inc incorporated corp corporation co company companies llc l.l.c lp llp ltd limited plc sa ag gmbh bv nv
    holdings holding group trust fund the and of a an for to by between in on at with as its his her
    delaware nevada california new york texas florida massachusetts illinois jersey ohio washington virginia
    maryland pennsylvania georgia colorado minnesota michigan oregon utah arizona connecticut wisconsin
    united states america kingdom china hong kong canada israel japan germany france england ireland
    cayman islands british virgin bermuda singapore india korea taiwan australia netherlands switzerland
    agreement license licence trademark intellectual property content technology exhibit form ex amendment""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'&-]*[A-Za-z]")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_DATE_WORDS = re.compile(r"\b(" + "|".join(_MONTHS) + r")(\s+\d{1,2}(?:st|nd|rd|th)?)?(,?\s+)((?:19[89]|20[0-2])\d)\b")
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19[89]|20[0-2])\d)\b")
_SYLLABLES_START = ["Br", "C", "D", "F", "G", "H", "K", "L", "M", "N", "P", "Qu", "R", "S", "St", "T", "Tr", "V", "W", "Z", "Th", "Gr", "Pl", "Cr", "El", "Or", "Al"]
_SYLLABLES_MID = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
_SYLLABLES_END = ["n", "r", "l", "x", "th", "nd", "rk", "ss", "m", "ve", "ton", "well", "ford", "ex", "ia", "or", "ant", "is"]


def page_texts(pdf_dir: Path, cache: Path) -> dict:
    """Per original PDF: its page texts as the project's loader extracts them, title, type, parties."""
    if cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("version") == GENERATOR_VERSION:
            return data["documents"]
    from pypdf import PdfReader

    from assistant.loaders import _page_texts, load_pdf

    documents = {}
    for path in sorted(p for p in pdf_dir.iterdir() if p.suffix.lower() == ".pdf"):
        loaded = load_pdf(path, path.name)
        texts, _ = _page_texts(PdfReader(str(path)))
        documents[path.name] = {"pages": texts, "title": loaded.title, "doc_type": loaded.doc_type, "parties": loaded.parties}
        print(f"extracted {path.name}: {len(texts)} pages", file=sys.stderr, flush=True)
    cache.write_text(json.dumps({"version": GENERATOR_VERSION, "documents": documents}))
    return documents


_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|\bwww\.\S+|\S+\.(?:com|net|org|cn)\b", re.IGNORECASE)
_LEGAL = re.compile(
    r"(?:[\s,.]+(?:inc|incorporated|corp|corporation|co|company|llc|l\.l\.c|lp|llp|ltd|limited|plc|holdings?|group|s\.a|ag|gmbh|b\.v|n\.v)\.?)+$",
    re.IGNORECASE,
)


def lowercase_vocabulary(documents: dict) -> set[str]:
    """Every word written in lower case somewhere in the contracts (web and e-mail addresses
    aside): such a word is not a name."""
    words: set[str] = set()
    for doc in documents.values():
        for text in doc["pages"]:
            words.update(w for w in _WORD.findall(_ADDRESS.sub(" ", text)) if w.islower())
    return words


def name_phrases(doc: dict) -> list[str]:
    """Company names of two or more words, without their legal form: the title's opening words
    (the filer, before the form code) and each party of the 'between X and Y' clause."""
    candidates = [re.split(r"\s(?=\S*\d)|\s(?:EX|Ex)\b|-EX-", doc["title"])[0]]
    for party in re.split(r"\band\b|;", doc["parties"], flags=re.IGNORECASE):
        candidates.append(re.split(r",\s*(?:an?\b|the\b)|\(|,\s*$", party.strip())[0])
    phrases = set()
    for candidate in candidates:
        phrase = _LEGAL.sub("", " ".join(candidate.replace(",", " , ").split()).replace(" , ", ", ").strip(" ,."))
        words = phrase.split()
        if 2 <= len(words) <= 6 and len(phrase) >= 6 and all(w[:1].isupper() or not w[:1].isalpha() for w in words):
            phrases.add(phrase)
    return sorted(phrases, key=lambda p: (-len(p), p))


def name_words(doc: dict, vocabulary: set[str]) -> list[str]:
    """The words of a contract's parties and title that are names, lower-cased, longest first."""
    found = set()
    for word in _WORD.findall(f"{doc['parties']} {doc['title']}"):
        key = word.lower().strip("'&-")
        if len(key) >= 3 and key not in _KEEP and key not in vocabulary and not key.isdigit():
            found.add(key)
    return sorted(found, key=lambda w: (-len(w), w))


def invented_name(rng: random.Random) -> str:
    parts = [rng.choice(_SYLLABLES_START), rng.choice(_SYLLABLES_MID)]
    if rng.random() < 0.5:
        parts += [rng.choice("bcdfglmnprstv"), rng.choice(_SYLLABLES_MID)]
    parts.append(rng.choice(_SYLLABLES_END))
    return "".join(parts)


def _cased(replacement: str, original: str) -> str:
    if original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement.lower()


class Substitution:
    """One variant's names and dates: the same original name always becomes the same new one."""

    def __init__(self, names: list[str], rng: random.Random, phrases: list[str] = ()):
        self.mapping = {}
        used = set()
        self.phrases = {}
        for phrase in phrases:
            new = " ".join(invented_name(rng) for _ in range(min(2, len(phrase.split()))))
            self.phrases[phrase.lower()] = new
        self.phrase_pattern = (
            re.compile(r"\b(" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases) + r")\b", re.IGNORECASE)
            if phrases
            else None
        )
        for name in names:
            new = invented_name(rng)
            while new.lower() in used:
                new = invented_name(rng)
            used.add(new.lower())
            self.mapping[name] = new
        self.month_shift = rng.randrange(1, 12)
        self.year_shift = rng.choice([-7, -5, -4, -3, -2, -1, 1, 2, 3])
        self.day_shift = rng.randrange(1, 20)
        self.pattern = (
            re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE) if names else None
        )

    def _year(self, year: str) -> str:
        return str(int(year) + self.year_shift)

    def _day(self, day: int) -> int:
        return (day - 1 + self.day_shift) % 28 + 1

    def _phrase(self, m: re.Match) -> str:
        found = m.group(1)
        if not found[:1].isupper():  # "you on demand" in running text is not the company
            return found
        new = self.phrases[" ".join(found.split()).lower()]
        return new.upper() if found.isupper() else new

    def apply(self, text: str) -> str:
        if self.phrase_pattern is not None:
            text = self.phrase_pattern.sub(self._phrase, text)
        if self.pattern is not None:
            text = self.pattern.sub(lambda m: _cased(self.mapping[m.group(1).lower()], m.group(1)), text)

        def worded(m: re.Match) -> str:
            month = _MONTHS[(_MONTHS.index(m.group(1)) + self.month_shift) % 12]
            day = m.group(2) or ""
            if day:
                digits = re.search(r"\d+", day).group()
                day = day.replace(digits, str(self._day(int(digits))), 1)
            return f"{month}{day}{m.group(3)}{self._year(m.group(4))}"

        text = _DATE_WORDS.sub(worded, text)
        return _DATE_NUMERIC.sub(
            lambda m: f"{(int(m.group(1)) - 1 + self.month_shift) % 12 + 1}/{self._day(int(m.group(2)))}/{self._year(m.group(3))}",
            text,
        )


def _pdf_string(value: str) -> bytes:
    return b"<" + value.encode("cp1252", "replace").hex().encode() + b">"


def write_pdf(path: Path, pages: list[str], title: str, keywords: str) -> None:
    """A plain PDF: one text line per line of each page, Helvetica (WinAnsi) 6 pt, text as hex strings."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 1 + 2 * len(pages)  # after every content stream and page object
    kids = []
    for text in pages:
        lines = [b"BT /F1 6 Tf 7 TL 20 820 Td"]
        lines += [_pdf_string(line) + b" Tj T*" for line in text.splitlines()]
        lines.append(b"ET")
        stream = zlib.compress(b"\n".join(lines))
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, font, content)
            )
        )
    assert add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)) == pages_id
    info = add(b"<< /Title " + _pdf_string(title) + b" /Keywords " + _pdf_string(keywords) + b" >>")
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, info, xref)
    path.write_bytes(bytes(out))


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")[:90]


def generate(out: Path, variants: int = 20, seed: int = 11, pdf_dir: Path = CUAD_PDF) -> dict:
    """Write the corpus (skipped when ``out/manifest.json`` says it was made the same way)."""
    wanted = {"generator_version": GENERATOR_VERSION, "variants": variants, "seed": seed}
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in wanted} == wanted:
            return manifest
    documents = page_texts(pdf_dir, out.with_name(out.name + ".pages.json"))
    vocabulary = lowercase_vocabulary(documents)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name in documents:
        shutil.copyfile(pdf_dir / name, out / name)
    files = 0
    for number in range(1, variants + 1):
        folder = out / "variants" / f"v{number:02d}"
        folder.mkdir(parents=True)
        for index, (name, doc) in enumerate(sorted(documents.items())):
            rng = random.Random(f"{seed}/{number}/{name}")
            substitution = Substitution(name_words(doc, vocabulary), rng, name_phrases(doc))
            title = substitution.apply(doc["title"])
            pages = [substitution.apply(text) for text in doc["pages"]]
            write_pdf(folder / f"{_slug(title)}-{index:02d}.pdf", pages, title, f"doc_type={doc['doc_type']}")
            files += 1
    digest = hashlib.sha256()
    for path in sorted(out.rglob("*.pdf")):
        digest.update(path.relative_to(out).as_posix().encode())
        digest.update(path.read_bytes())
    manifest = {**wanted, "originals": len(documents), "variant_files": files, "sha256": digest.hexdigest()}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"corpus folder (default {DEFAULT_OUT})")
    parser.add_argument("--variants", type=int, default=20, help="copies of each contract under new parties")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pdf-dir", type=Path, default=CUAD_PDF)
    args = parser.parse_args()
    print(json.dumps(generate(args.out.expanduser().resolve(), args.variants, args.seed, args.pdf_dir), indent=1))


if __name__ == "__main__":
    main()
