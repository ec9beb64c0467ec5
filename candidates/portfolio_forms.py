"""The portfolio's forms, shared by the counsellor's portfolio pages and the candidate's own:
the claim form read field by field and saved, and evidence with its file checked by content
(a candidate's own additions are drafts for the counsellor to accept)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import portfolio as services
from candidates.models import AcquiredHow, Claim
from candidates.portfolio import ClaimInput, EvidenceInput
from candidates.uploads import (
    CheckedUpload,
    EvidenceStore,
    UploadRejected,
    check_upload,
    read_limited,
)
from kit.forms import FormReader
from kit.invalid import Invalid
from kit.storage import storage_for

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


async def add_claim_from(
    session: AsyncSession, form: Mapping[str, Any], *, candidate_id: int, draft: bool = False
) -> tuple[FormState, Claim | None]:
    """Read the claim form and add the claim (a ``draft`` for the candidate's own); the form
    as it was with every message beside its field, and the claim, or None if refused."""
    state, data = read_claim_form(form)
    claim: Claim | None = None
    try:
        if state.errors:
            await services.check_claim(session, candidate_id=candidate_id, data=data)
        else:
            claim = await services.create_claim(
                session, candidate_id=candidate_id, data=data, draft=draft
            )
    except Invalid as invalid:
        for name, message in invalid.errors.items():
            state.errors.setdefault(name, message)
    return state, claim if not state.errors else None


async def add_evidence_from(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    *,
    candidate_id: int,
    draft: bool = False,
) -> FormState:
    """Read the evidence form (multipart) and add the evidence, its file checked and rebuilt;
    the form as it was, with a message beside each field that was refused."""
    form = await request.form()
    reader = FormReader(form)
    state = FormState(values={name: reader.raw(name) for name in EVIDENCE_FIELDS})
    title = reader.text("title", max_length=services.MAX_TITLE)
    description = reader.text("description", max_length=services.MAX_DESCRIPTION)
    claim_id = reader.integer("claim")
    state.errors.update(reader.errors)
    upload = await upload_from(request, form, state.errors)
    if not state.errors:
        try:
            await services.add_evidence(
                session,
                candidate_id=candidate_id,
                data=EvidenceInput(title=title, description=description, claim_id=claim_id),
                upload=upload,
                store=EvidenceStore(storage_for(request.app.state.settings)),
                draft=draft,
            )
        except Invalid as invalid:
            state.errors.update(invalid.errors)
    return state
