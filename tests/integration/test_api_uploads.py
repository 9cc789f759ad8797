"""Upload checks through the HTTP API: auth, every kind of bad input, nothing half-written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import AuditEvent, Document, Task
from tests.support.api import Api


def blank_pdf(pages: int = 1) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(blank_pdf())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def png(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (width, height), 255).save(buf, format="PNG")
    return buf.getvalue()


def huge_png_header() -> bytes:
    """A valid-looking PNG whose header claims 100000 x 100000 pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", "0" * 10_000_000)
    return buf.getvalue()


@pytest.fixture
def api(api_client: Callable[..., Api]) -> Api:
    return api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"),
                      ("pros_a", "prosecutor", "A"),
                      max_upload_mb="1", max_image_pixels="50000000")


def _post(api: Api, data: bytes, name: str, who: str = "clerk_a",
          **form: str) -> Any:
    return api.client.post(
        "/api/v1/documents", files={"file": (name, data)}, data=form,
        headers={"Authorization": f"Bearer {api.tokens[who]}"})


def _counts(api: Api) -> tuple[int, int, int]:
    settings = api.settings
    blobs = sum(1 for p in settings.blob_dir.rglob("*") if p.is_file())
    with session_scope(settings.db_url) as s:
        docs = s.execute(select(func.count()).select_from(Document)).scalar_one()
        tasks = s.execute(select(func.count()).select_from(Task)).scalar_one()
    return docs, tasks, blobs


def test_requests_without_a_valid_token_get_401(api: Api) -> None:
    c = api.client
    assert c.get("/api/v1/tasks/1").status_code == 401
    r = c.get("/api/v1/search?q=x", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and "无效" in r.json()["detail"]
    assert c.post("/api/v1/documents", files={"file": ("a.pdf", blank_pdf())}).status_code == 401
    assert c.get("/docs").status_code == 200
    assert "/api/v1/documents" in c.get("/openapi.json").json()["paths"]


BAD_INPUTS = [
    ("empty.pdf", b"", 422, "文件为空"),
    ("truncated.pdf", blank_pdf()[:200], 422, ""),
    ("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40, 422, ""),
    ("zipbomb.pdf", zip_bytes(), 415, ""),
    ("binary.bin", bytes(range(256)) * 8, 415, ""),
    ("huge.png", huge_png_header(), 413, ""),
    ("too-big.txt", "判决".encode() * 400_000, 413, "MB"),
]


@pytest.mark.parametrize(("name", "data", "status", "word"), BAD_INPUTS,
                         ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gets_a_clear_4xx_and_stores_nothing(api: Api, name: str,
                                                       data: bytes, status: int,
                                                       word: str) -> None:
    before = _counts(api)
    r = _post(api, data, name)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and len(detail) > 5
    assert word.lower() in detail.lower()
    assert _counts(api) == before


def test_encrypted_pdf_is_refused_with_a_reason(api: Api) -> None:
    before = _counts(api)
    r = _post(api, encrypted_pdf(), "locked.pdf")
    assert r.status_code == 422
    assert "密码" in r.json()["detail"]
    assert _counts(api) == before


def test_upload_is_accepted_once_and_type_comes_from_content(api: Api) -> None:
    data = png(400, 300)
    r = _post(api, data, "scan.pdf", case_number="（2018）豫0902刑初199号")  # PNG named .pdf
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) >= {"document_id", "task_id", "case_id"} and not body["duplicate"]
    again = _post(api, data, "copy.png", case_number="（2018）豫0902刑初199号")
    assert again.status_code == 202
    assert again.json()["document_id"] == body["document_id"] and again.json()["duplicate"]
    assert _counts(api) == (1, 1, 1)
    hdr = {"Authorization": f"Bearer {api.tokens['clerk_a']}"}
    doc = api.client.get(f"/api/v1/documents/{body['document_id']}", headers=hdr).json()
    assert doc["mime"] == "image/png" and doc["status"] == "received"
    assert doc["case_number"] == "（2018）豫0902刑初199号"
    original = api.client.get(f"/api/v1/documents/{body['document_id']}/file", headers=hdr)
    assert original.content == data
    task = api.client.get(f"/api/v1/tasks/{body['task_id']}", headers=hdr).json()
    assert task["state"] == "pending" and task["pages_total"] == 1
    with session_scope(api.settings.db_url) as s:
        actions = list(s.execute(select(AuditEvent.action)).scalars())
    assert "document.upload" in actions and "document.download" in actions


def test_file_names_are_never_paths(api: Api) -> None:
    r = _post(api, "被告人张三犯盗窃罪".encode(), "../../etc/passwd")
    assert r.status_code == 202
    hdr = {"Authorization": f"Bearer {api.tokens['clerk_a']}"}
    doc = api.client.get(f"/api/v1/documents/{r.json()['document_id']}", headers=hdr).json()
    assert doc["filename"] == "passwd" and doc["mime"] == "text/plain"
    assert not (api.settings.data_dir / "etc").exists()


def test_other_agencies_get_404_and_roles_are_enforced(api: Api) -> None:
    r = _post(api, blank_pdf(), "a.pdf")
    doc_id, task_id, case_id = (r.json()[k] for k in ("document_id", "task_id", "case_id"))
    hdr_b = {"Authorization": f"Bearer {api.tokens['clerk_b']}"}
    c = api.client
    for url in (f"/api/v1/documents/{doc_id}", f"/api/v1/documents/{doc_id}/file",
                f"/api/v1/documents/{doc_id}/pages/1", f"/api/v1/tasks/{task_id}",
                f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/similar"):
        assert c.get(url, headers=hdr_b).status_code == 404, url
    assert c.post(f"/api/v1/documents/{doc_id}/retry", headers=hdr_b).status_code == 404
    assert _post(api, blank_pdf(2), "b.pdf", who="pros_a").status_code == 403


def test_every_accepted_type_is_accepted(api: Api) -> None:
    from PIL import Image

    frames = [Image.new("L", (300, 200), 255), Image.new("L", (300, 200), 200)]
    tiff = io.BytesIO()
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:])
    jpeg = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(jpeg, format="JPEG")
    hdr = {"Authorization": f"Bearer {api.tokens['clerk_a']}"}
    for name, data, mime, pages in (("scan.tif", tiff.getvalue(), "image/tiff", 2),
                                    ("photo.jpg", jpeg.getvalue(), "image/jpeg", 1),
                                    ("two.pdf", blank_pdf(2), "application/pdf", 2),
                                    ("export.txt", "判决书\n".encode(), "text/plain", 1)):
        r = _post(api, data, name)
        assert r.status_code == 202, (name, r.text)
        doc = api.client.get(f"/api/v1/documents/{r.json()['document_id']}", headers=hdr)
        assert (doc.json()["mime"], doc.json()["page_count"]) == (mime, pages)


def test_pdf_with_javascript_is_stored_inert(api: Api) -> None:
    """Embedded JavaScript is never run (pdfium and pdfplumber only parse); the file is kept."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(blank_pdf())).pages:
        writer.add_page(page)
    writer.add_open_action(JavaScript(
        "app.alert('pwned'); this.exportDataObject({cName: 'x', nLaunch: 2});"))
    buf = io.BytesIO()
    writer.write(buf)
    assert b"/JavaScript" in buf.getvalue()
    r = _post(api, buf.getvalue(), "with-js.pdf")
    assert r.status_code == 202, r.text
    hdr = {"Authorization": f"Bearer {api.tokens['clerk_a']}"}
    original = api.client.get(f"/api/v1/documents/{r.json()['document_id']}/file", headers=hdr)
    assert original.content == buf.getvalue()
    assert original.headers["content-disposition"].startswith("attachment")
