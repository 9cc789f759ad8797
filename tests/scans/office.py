"""OFD and DOCX files written from page texts, for the tests (the formats courts exchange).

``ofd(pages)`` writes a GB/T 33190 package as an OFD writer lays it out (OFD.xml → Doc_0/
Document.xml → Pages/Page_i/Content.xml, one TextObject per line with its Boundary and a
TextCode with X/Y and DeltaX); ``docx(pages)`` a WordprocessingML package with one paragraph
per line, a page break between pages and, optionally, a table. Only the parts a reader needs
are written; both open in the usual viewers.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

OFD_NS = "http://www.ofdspec.org/2016"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def ofd(pages: Sequence[str], *, image_only: bool = False) -> bytes:
    """An OFD of ``pages`` (A4, 5 mm lines); ``image_only``: pages carry only an image."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'''<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">
  <ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>
  <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>
</ofd:OFD>''')
        refs = "".join(f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                       for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f'''<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="{OFD_NS}">
  <ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID>
  <ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>
  <ofd:Pages>{refs}</ofd:Pages>
</ofd:Document>''')
        for i, text in enumerate(pages):
            objects = []
            if image_only:
                objects.append('<ofd:ImageObject ID="1" Boundary="0 0 210 297" ResourceID="5"/>')
            else:
                for n, line in enumerate(t for t in text.split("\n") if t.strip()):
                    y = 20 + 5 * n
                    deltas = " ".join("4.2" for _ in line[1:])
                    objects.append(
                        f'<ofd:TextObject ID="{n + 100}" Boundary="20 {y} 170 5" Font="3" '
                        f'Size="4.2"><ofd:TextCode X="0" Y="4" DeltaX="{deltas}">'
                        f'{escape(line)}</ofd:TextCode></ofd:TextObject>')
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", f'''<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="2">{"".join(objects)}</ofd:Layer>
</ofd:Content></ofd:Page>''')
    return out.getvalue()


def docx(pages: Sequence[str], *, table: Sequence[Sequence[str]] = ()) -> bytes:
    """A DOCX of ``pages`` (a page break between them); ``table`` rows after the last page."""
    body = []
    for i, text in enumerate(pages):
        for n, line in enumerate(text.split("\n")):
            brk = '<w:r><w:br w:type="page"/></w:r>' if i and n == 0 else ""
            body.append(f'<w:p>{brk}<w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>')
    if table:
        rows = "".join("<w:tr>" + "".join(
            f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in row) + "</w:tr>"
            for row in table)
        body.append(f"<w:tbl>{rows}</w:tbl>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '''<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>''')
        z.writestr("_rels/.rels", '''<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>''')
        z.writestr("word/document.xml", f'''<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="{W_NS}"><w:body>{"".join(body)}</w:body></w:document>''')
    return out.getvalue()
