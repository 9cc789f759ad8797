"""PDFium is not thread-safe: the API renders page images in a thread pool while uploads are
checked in others. Four threads opening and rendering PDFs at once corrupted PDFium's heap and
aborted the process ("free(): corrupted unsorted chunks") every time before ocr.document took
one lock for every PDFium call. The threads run in a child process, so that a crash fails this
test with its message instead of killing the test run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.env import GOLD

ROOT = Path(__file__).resolve().parents[2]


def test_pdfs_render_from_several_threads_at_once() -> None:
    text = GOLD / "texts" / "lecard-12174.txt"
    script = textwrap.dedent(f"""
        import threading
        from ocr.document import PdfDocument
        from tests.scans.generate import make_text_pdf

        data = make_text_pdf(open({str(text)!r}, encoding="utf-8").read() * 3)
        sizes, errors = [], []

        def work() -> None:
            try:
                for _ in range(10):
                    doc = PdfDocument(data, max_pages=100, max_pixels=10**9)
                    sizes.append([doc.render_page(p, dpi=100).size
                                  for p in range(1, doc.page_count + 1)])
                    doc.close()
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(sizes) == 40 and all(s == sizes[0] for s in sizes), sizes[:2]
        print("rendered", len(sizes) * len(sizes[0]), "pages")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert "rendered" in done.stdout
