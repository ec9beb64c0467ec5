"""Rebuild an uploaded PDF as a new file without active content.

A scan of the bytes for ``/JavaScript`` can always be outwitted (a filter chain, an object
stream, a stream that exhausts the scanner's budget), so nothing here looks for bad bytes.
Instead qpdf (through pikepdf) parses the file into objects, the objects are disarmed, and a
*new* file is written from them; only what qpdf understood and we kept reaches the disk.

What is kept is allow-listed:

- actions: ``GoTo`` (with a destination) and ``Named`` page navigation (next, previous,
  first, last page), wherever an action may sit (``/A``, ``/Next``). The document's
  ``/OpenAction`` survives only as a destination or a ``GoTo``. Every other action (JavaScript,
  Launch, URI, SubmitForm, ImportData, GoToR/GoToE, Rendition, Sound, Movie, Hide,
  SetOCGState, RichMediaExecute, …) is removed from its place and emptied where it is stored;
- annotations of the ordinary kinds (text, links, markup, stamps, ink, form widgets, …).
  Screen, Movie, Sound, RichMedia, 3D and file-attachment annotations are dropped.

And these are removed wherever they appear: additional actions (``/AA``: document, page,
annotation and form-field triggers), JavaScript (``/JS``, the ``/JavaScript`` name tree), XFA
forms (``/XFA``, ``/NeedsRendering``), embedded and related files (``/EmbeddedFiles``,
``/EF``, ``/RF``), rich media and 3D content, alternate presentations and renditions, the base
``/URI``, portfolios (``/Collection``) and usage-rights signatures (``/Perms``, which the
rebuilt file would break anyway). Every object in the file is walked (``pdf.objects``, and the
objects written inside them), so an action tucked away in an odd place is found as well.

Work is bounded: the file is refused when it has more than :class:`Budget` pages or objects,
or when its streams decode to more than the budget (qpdf's own per-stream decoding limits are
set to the same figure). The rebuild runs in a separate process (:func:`main`, started by
:func:`candidates.uploads.disarm_pdf`) with limits on its memory and CPU time, so a
decompression bomb that no budget foresaw kills a child process, not the portal, and the file
is refused. Nothing is ever accepted because a budget ran out.

This module imports nothing of ours, so that the child process starts quickly.
"""

from __future__ import annotations

import io
import resource
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream

# Exit statuses of the child process (anything else, a signal included, also refuses).
DISARMED = 0
DAMAGED = 10
ENCRYPTED = 11
OVER_BUDGET = 12

# How qpdf reports a decoding limit or an allocation that failed at the memory limit.
LIMIT_SIGNS = ("limit exceeded", "bad_alloc")
# Limits of the child process itself: its address space and CPU seconds.
CHILD_MEMORY = 1024 * 1024 * 1024
CHILD_CPU_SECONDS = 30


@dataclass(frozen=True)
class Budget:
    """How big a PDF may be once parsed: pages, objects, and bytes of decoded stream data."""

    pages: int = 1000
    objects: int = 50_000
    decoded_bytes: int = 256 * 1024 * 1024

    def as_arguments(self) -> list[str]:
        return [str(self.pages), str(self.objects), str(self.decoded_bytes)]

    @classmethod
    def from_arguments(cls, arguments: list[str]) -> Budget:
        pages, objects, decoded_bytes = (int(value) for value in arguments)
        return cls(pages=pages, objects=objects, decoded_bytes=decoded_bytes)


class Refused(Exception):
    """The PDF cannot be accepted; ``status`` is one of the exit statuses above."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


# --- What stays and what goes -------------------------------------------------------------


def _names(words: str) -> frozenset[Name]:
    return frozenset(Name("/" + word) for word in words.split())


# The Named actions kept; others (Print, SaveAs, any menu item) are not page navigation.
NAVIGATION = _names("NextPage PrevPage FirstPage LastPage")
# Every action type of ISO 32000-2 (12.6.4) and a few extensions: a dictionary whose /S is one
# of these is an action even without /Type /Action.
ACTION_TYPES = _names(
    "GoTo GoToR GoToE GoToDp Launch Thread URI Sound Movie Hide Named SubmitForm ResetForm "
    "ImportData JavaScript SetOCGState Rendition Trans GoTo3DView RichMediaExecute ECMAScript"
)
ANNOTATIONS_KEPT = _names(
    "Text Link FreeText Line Square Circle Polygon PolyLine Highlight Underline Squiggly "
    "StrikeOut Caret Stamp Ink Popup Widget PrinterMark TrapNet Watermark Redact"
)
ANNOTATIONS_DROPPED = _names("FileAttachment Sound Movie Screen RichMedia 3D Projection")
# Removed wherever they appear. Each of these keys means the same in every dictionary that
# can hold it, so no context is needed to know that it is unwanted.
REMOVED_KEYS = frozenset(
    str(name)
    for name in _names(
        "AA JS JavaScript XFA NeedsRendering EmbeddedFiles EF RF RichMediaContent "
        "RichMediaSettings 3DD AlternatePresentations Renditions URI Collection"
    )
)


def _is_name_in(value: Any, names: frozenset[Name]) -> bool:
    return isinstance(value, Name) and value in names


def is_harmless_action(action: Any) -> bool:
    """A GoTo with a destination, or a Named action that turns pages."""
    if not isinstance(action, Dictionary):
        return False  # a stream is never an action worth keeping
    kind = action.get(Name.S)
    if kind == Name.GoTo:
        return Name.D in action
    if kind == Name.Named:
        return _is_name_in(action.get(Name.N), NAVIGATION)
    return False


def _looks_like_action(value: Any) -> bool:
    """Whether a viewer might run ``value``: a dictionary with an action type (``/S``).

    What sits under ``/A`` without one is not an action (a structure element's attributes,
    a measure's area formats) and no viewer can run it.
    """
    return isinstance(value, Dictionary | Stream) and (
        Name.S in value or value.get(Name.Type) == Name.Action
    )


def _is_action(obj: Dictionary | Stream) -> bool:
    if obj.get(Name.Type) == Name.StructElem:
        return False  # a structure element's /S is its role (a paragraph, a link, …)
    return obj.get(Name.Type) == Name.Action or _is_name_in(obj.get(Name.S), ACTION_TYPES)


def _is_kept_annotation(annotation: Any) -> bool:
    return isinstance(annotation, Dictionary) and _is_name_in(
        annotation.get(Name.Subtype), ANNOTATIONS_KEPT
    )


def _keep_only(array: Array, keep: Callable[[Any], bool]) -> None:
    for index in reversed(range(len(array))):
        if not keep(array[index]):
            del array[index]


def _empty(obj: Dictionary | Stream) -> None:
    """Leave nothing in ``obj``, which may still be named from somewhere harmless."""
    if isinstance(obj, Stream):
        obj.write(b"")
    for key in list(obj.keys()):
        if key != Name.Length:
            del obj[key]


def _disarm_catalogue(catalogue: Dictionary) -> None:
    """The document opens at a destination or through a plain GoTo, and does nothing else."""
    opening = catalogue.get(Name.OpenAction)
    if isinstance(opening, Dictionary) and opening.get(Name.S) == Name.GoTo:
        if not is_harmless_action(opening):
            del catalogue[Name.OpenAction]
        elif Name.Next in opening:
            del opening[Name.Next]
    elif opening is not None and not isinstance(opening, Array):  # an array is a destination
        del catalogue[Name.OpenAction]
    if Name.Perms in catalogue:
        del catalogue[Name.Perms]  # usage-rights signatures: the rebuilt file breaks them


def _disarm_dictionary(obj: Dictionary | Stream) -> None:
    """Remove what is unwanted in ``obj`` itself (the objects it holds are visited apart)."""
    keys = set(obj.keys())  # one call into qpdf; most tests below are then set lookups
    if not keys.isdisjoint(("/S", "/Type")) and _is_action(obj) and not is_harmless_action(obj):
        _empty(obj)
        return
    if (
        "/Subtype" in keys
        and not isinstance(obj, Stream)
        and _is_name_in(obj.get(Name.Subtype), ANNOTATIONS_DROPPED)
    ):
        _empty(obj)
        return
    for key in keys & REMOVED_KEYS:
        del obj[key]
    if "/A" in keys:
        action = obj.get(Name.A)
        if _looks_like_action(action) and not is_harmless_action(action):
            del obj[Name.A]
    if "/Next" in keys and "/S" in keys and is_harmless_action(obj):
        chain = obj.get(Name.Next)  # (in an outline item, /Next is the next item instead)
        if isinstance(chain, Array):
            _keep_only(chain, is_harmless_action)
        elif not is_harmless_action(chain):
            del obj[Name.Next]
    if "/Annots" in keys:
        annotations = obj.get(Name.Annots)
        if isinstance(annotations, Array):
            _keep_only(annotations, _is_kept_annotation)


def disarm(pdf: Pdf) -> None:
    """Remove active content from every object of ``pdf``, in place (see the module)."""
    catalogue = pdf.Root
    if isinstance(catalogue, Dictionary):
        _disarm_catalogue(catalogue)
    # Each indirect object is visited once, from pdf.objects; the direct objects written
    # inside one are visited from it (they cannot form cycles). A stack, not recursion:
    # nesting may be hundreds of levels deep.
    pending: list[Any] = [pdf.trailer, *pdf.objects]
    while pending:
        obj = pending.pop()
        if isinstance(obj, Dictionary | Stream):
            _disarm_dictionary(obj)
            children = [value for _, value in obj.items()]
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        pending.extend(
            child
            for child in children
            if isinstance(child, Dictionary | Array) and not child.is_indirect
        )


# --- Budget -------------------------------------------------------------------------------

# The filters qpdf decodes at the "specialized" level: the ones a bomb can hide behind.
DECODABLE_FILTERS = _names(
    "FlateDecode LZWDecode ASCIIHexDecode ASCII85Decode RunLengthDecode Fl LZW AHx A85 RL"
)


def _filters(stream: Stream) -> list[Any]:
    filters = stream.get(Name.Filter)
    if filters is None:
        return []
    if isinstance(filters, Array):
        return list(filters)
    return [filters]


def _decoded_size(stream: Stream) -> int:
    """The size of ``stream``'s data once decoded (the raw size for image codecs)."""
    if all(_is_name_in(name, DECODABLE_FILTERS) for name in _filters(stream)):
        return len(memoryview(stream.get_stream_buffer(pikepdf.StreamDecodeLevel.specialized)))
    # DCT, JPX, JBIG2, CCITT: image data decoded only by whoever displays it.
    return len(memoryview(stream.get_raw_stream_buffer()))


def check_budget(pdf: Pdf, budget: Budget) -> None:
    """Refuse a PDF with more pages, objects or decoded stream data than ``budget``."""
    if len(pdf.pages) > budget.pages or len(pdf.objects) > budget.objects:
        raise Refused(OVER_BUDGET)
    decoded = 0
    for obj in pdf.objects:
        if isinstance(obj, Stream):
            decoded += _decoded_size(obj)
            if decoded > budget.decoded_bytes:
                raise Refused(OVER_BUDGET)


# --- The rebuild --------------------------------------------------------------------------


def rebuild(content: bytes, budget: Budget) -> bytes:
    """Parse ``content``, disarm it and write a new PDF; raise :class:`Refused` if it cannot be.

    Whatever goes wrong while reading the file refuses it: a password, damage, a structure
    that makes no sense, a budget or one of qpdf's decoding limits exceeded.
    """
    limits_hit = pikepdf.settings.qpdf_limit_errors()
    try:
        rebuilt = _rebuild(content, budget)
    except pikepdf.PasswordError as error:
        raise Refused(ENCRYPTED) from error
    except MemoryError as error:
        raise Refused(OVER_BUDGET) from error
    except (pikepdf.PdfError, RuntimeError, ValueError, TypeError, KeyError, AttributeError,
            IndexError) as error:  # fmt: skip
        # Damage, or a structure qpdf read but that makes no sense (a page tree of numbers),
        # or a limit: qpdf's decoding limits and running out of memory surface as decoding
        # errors, told apart only by their text. Either way the file is refused.
        over = pikepdf.settings.qpdf_limit_errors() != limits_hit or any(
            sign in str(error) for sign in LIMIT_SIGNS
        )
        raise Refused(OVER_BUDGET if over else DAMAGED) from error
    if pikepdf.settings.qpdf_limit_errors() != limits_hit:
        raise Refused(OVER_BUDGET)  # qpdf stopped decoding something: never accept that
    return rebuilt


def _rebuild(content: bytes, budget: Budget) -> bytes:
    with Pdf.open(io.BytesIO(content)) as pdf:
        if not isinstance(pdf.Root, Dictionary) or len(pdf.pages) == 0:
            raise Refused(DAMAGED)
        check_budget(pdf, budget)
        disarm(pdf)
        out = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. form widgets not reachable from /AcroForm
            pdf.save(
                out,
                # Objects packed into compressed object streams (so the rebuilt file is not
                # much bigger than the upload); stream data copied as it was, not decoded and
                # encoded again.
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                encryption=False,
                deterministic_id=True,
            )
    return out.getvalue()


def limit_this_process(budget: Budget) -> None:
    """Bound the memory and CPU time of the child process, and qpdf's decoding."""
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes to a pipe, never to a file
    per_stream = min(budget.decoded_bytes + 1, 2**32 - 1)
    pikepdf.settings.set_qpdf_limits(
        doc_max_warnings=1000,
        flate_max_memory=per_stream,
        run_length_max_memory=per_stream,
        png_max_memory=per_stream,
        tiff_max_memory=per_stream,
        dct_max_memory=per_stream,
    )


def main() -> None:
    """The child process: the PDF on stdin, the rebuilt PDF on stdout, the verdict as status.

    The arguments are the budget, as :meth:`Budget.as_arguments` writes it.
    """
    budget = Budget.from_arguments(sys.argv[1:])
    limit_this_process(budget)
    content = sys.stdin.buffer.read()
    try:
        rebuilt = rebuild(content, budget)
    except Refused as refused:
        if refused.__cause__ is not None:
            print(f"{type(refused.__cause__).__name__}: {refused.__cause__}", file=sys.stderr)
        sys.exit(refused.status)
    sys.stdout.buffer.write(rebuilt)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
