"""docx_writer.py — the smallest .docx Word opens, written with the standard library only
(zipfile): paragraphs in order, optionally as Word list items (numbering.xml, so the number
is not in the paragraph text), optionally bold, with tabs and line breaks, and optionally a
table or a picture placeholder. Used by make_docx_template.py and the bank test corpus
(tests/bank_corpus/make_corpus.py).

    from docx_writer import Para, write_docx
    write_docx("out.docx", [Para("一、单选题", bold=True), Para("根本大法是（　）", numbered=True)])
"""
import zipfile
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


class Para:
    """One paragraph. kind: "p" (text), "table" (a one-cell table holding text), "image"
    (a paragraph holding text and a drawing)."""

    def __init__(self, text, numbered=False, bold=False, kind="p"):
        self.text, self.numbered, self.bold, self.kind = text, numbered, bold, kind


def _runs(text, bold):
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    out = []
    for li, line in enumerate(text.split("\n")):
        if li:
            out.append("<w:r><w:br/></w:r>")
        for ti, part in enumerate(line.split("\t")):
            if ti:
                out.append("<w:r><w:tab/></w:r>")
            if part:
                # two runs for longer text, as Word writes after an edit
                cut = len(part) // 3 if len(part) > 6 else len(part)
                for chunk in (part[:cut], part[cut:]):
                    if chunk:
                        out.append('<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>' % (rpr, escape(chunk)))
    return "".join(out)


def _para(p):
    ppr = ""
    if p.numbered:
        ppr = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
    body = _runs(p.text, p.bold)
    if p.kind == "image":
        body += ('<w:r><w:drawing><wp:inline><wp:extent cx="100" cy="100"/><wp:docPr id="1" name="图片 1"/>'
                 '</wp:inline></w:drawing></w:r>')
    xml = "<w:p>%s%s</w:p>" % (ppr, body)
    if p.kind == "table":
        xml = "<w:tbl><w:tr><w:tc>%s</w:tc></w:tr></w:tbl>" % xml
    return xml


def docx_bytes_parts(paras):
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="%s" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<w:body>%s<w:sectPr/></w:body></w:document>" % (W, "".join(_para(p) for p in paras)))
    numbering = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:numbering xmlns:w="%s"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0">'
        '<w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%%1."/><w:lvlJc w:val="left"/>'
        '</w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>' % W)
    return {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
            '</Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>',
        "word/_rels/document.xml.rels":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
            '</Relationships>',
        "word/document.xml": document,
        "word/numbering.xml": numbering,
    }


def write_docx(path, paras):
    """Writes paras as a .docx at path (deterministic bytes: fixed timestamps)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in docx_bytes_parts(paras).items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
