"""The portfolio's forms, shared by the counsellor's portfolio pages and the candidate's own:
the claim form read field by field, and an uploaded file checked by content."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from litestar import Request

from candidates import portfolio as services
from candidates.models import AcquiredHow
from candidates.portfolio import ClaimInput
from candidates.uploads import CheckedUpload, UploadRejected, check_upload, read_limited
from kit.forms import FormReader

CLAIM_FIELDS = ("competence", "self_level", "acquired_how", "acquired_where", "months")
EVIDENCE_FIELDS = ("title", "description", "claim")
BLANK_CLAIM = {**dict.fromkeys(CLAIM_FIELDS, ""), "acquired_how": AcquiredHow.WORK_HISTORY.value}
# The request body may be this big (the file plus the form). The file itself is limited by
# settings.uploads.max_bytes, with a message beside the field; this ceiling only keeps
# absurd bodies out before they are read, and must stay above max_bytes.
UPLOAD_REQUEST_LIMIT = 32 * 1024 * 1024


@dataclass
class FormState:
    """A form as shown: values by field name and messages beside the fields."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_claim_form(form: Mapping[str, Any]) -> tuple[FormState, ClaimInput]:
    """Read the claim form field by field (the service checks the rest)."""
    reader = FormReader(form)
    values = {name: reader.raw(name) for name in CLAIM_FIELDS}
    competence = reader.text("competence", required=True, max_length=services.MAX_TEXT)
    level = reader.integer(
        "self_level", required=True, minimum=services.MIN_LEVEL, maximum=services.MAX_LEVEL
    )
    how = reader.choice("acquired_how", services.ACQUIRED_HOW_LABELS, required=True)
    where = reader.text("acquired_where", max_length=services.MAX_TEXT)
    months = reader.integer("months", minimum=0, maximum=services.MAX_MONTHS)
    data = ClaimInput(
        competence=competence,
        self_level=level,
        acquired_how=how,
        acquired_where=where,
        months=months,
        words=reader.raw("words"),
    )
    return FormState(values=values, errors=dict(reader.errors)), data


async def upload_from(
    request: Request[Any, Any, Any], form: Mapping[str, Any], errors: dict[str, str]
) -> CheckedUpload | None:
    """The checked file of the form, or None (no file chosen, or a message in ``errors``)."""
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return None  # no file chosen: browsers send an empty text part
    try:
        content = await read_limited(
            upload, max_bytes=int(request.app.state.settings.uploads.max_bytes)
        )
        # Decoding images and inflating PDF streams takes CPU time: keep the event loop free.
        return await anyio.to_thread.run_sync(
            functools.partial(check_upload, content, original_name=str(upload.filename or ""))
        )
    except UploadRejected as rejected:
        errors["file"] = rejected.message
        return None
    finally:
        await upload.close()
