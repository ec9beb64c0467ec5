"""The programme activities page: pilot trainings and dissemination events, with their
totals against the targets, and the coordinator's forms to add, change and remove them.

Who may use each route is in ``portal/policy.py``: the coordinator reads and writes; the
steering committee reads the page (it names no person: trainings and events with their
counts), and sees no form. The rules live in :mod:`reporting.activities`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext
from kit.idempotency import Earlier, FormKeys, create_once, new_submission_key
from kit.invalid import Invalid
from kit.roles import Viewer
from reporting import activities
from reporting.activities import EventInput, TrainingInput
from reporting.models import DisseminationEvent, EventKind, Training

PAGE = "/activities"
# In the order the forms show them.
TRAINING_FIELDS = (
    "title",
    "starts_on",
    "ends_on",
    "organisation_name",
    "organisation_id",
    "counsellors",
    "teachers",
    "others",
    "note",
)
EVENT_FIELDS = ("held_on", "title", "kind", "audience", "attendees", "note")


async def provide_training(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    training_id: FromPath[int],
) -> Training:
    """The ``training`` dependency: the training of the path (locked when a form changes
    it), or 404."""
    training = await activities.get_training(
        db_session, training_id=training_id, for_update=request.method == "POST"
    )
    if training is None:
        raise NotFoundException(detail=gettext("No such training."))
    return training


async def provide_event(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    event_id: FromPath[int],
) -> DisseminationEvent:
    """The ``event`` dependency: the event of the path (locked when a form changes it), or
    404."""
    event = await activities.get_event(
        db_session, event_id=event_id, for_update=request.method == "POST"
    )
    if event is None:
        raise NotFoundException(detail=gettext("No such event."))
    return event


# --- Reading the forms -----------------------------------------------------------------


def _count(reader: FormReader, name: str, maximum: int) -> int | None:
    """A number of people: empty means none; None when it cannot be read (the reader says why)."""
    if not reader.raw(name):
        return 0
    return reader.integer(name, minimum=0, maximum=maximum)


def _read_training(reader: FormReader) -> TrainingInput:
    return TrainingInput(
        title=reader.text("title", max_length=activities.MAX_TITLE),
        organisation_name=reader.text("organisation_name", max_length=activities.MAX_NAME),
        organisation_id=reader.id("organisation_id"),
        starts_on=reader.date("starts_on", earliest=activities.EARLIEST, latest=activities.LATEST),
        ends_on=reader.date("ends_on", earliest=activities.EARLIEST, latest=activities.LATEST),
        counsellors=_count(reader, "counsellors", activities.MAX_PARTICIPANTS),
        teachers=_count(reader, "teachers", activities.MAX_PARTICIPANTS),
        others=_count(reader, "others", activities.MAX_PARTICIPANTS),
        note=reader.text("note", max_length=activities.MAX_NOTE),
    )


def _read_event(reader: FormReader) -> EventInput:
    return EventInput(
        held_on=reader.date("held_on", earliest=activities.EARLIEST, latest=activities.LATEST),
        title=reader.text("title", max_length=activities.MAX_TITLE),
        kind=reader.choice("kind", [kind.value for kind in EventKind]),
        audience=reader.text("audience", max_length=activities.MAX_AUDIENCE),
        attendees=_count(reader, "attendees", activities.MAX_ATTENDEES),
        note=reader.text("note", max_length=activities.MAX_NOTE),
    )


def _training_values(training: Training | None) -> dict[str, str]:
    if training is None:
        return {field: "" for field in TRAINING_FIELDS}
    return {
        "title": training.title,
        "organisation_name": training.organisation_name,
        "organisation_id": str(training.organisation_id or ""),
        "starts_on": training.starts_on.isoformat(),
        "ends_on": training.ends_on.isoformat(),
        "counsellors": str(training.counsellors),
        "teachers": str(training.teachers),
        "others": str(training.others),
        "note": training.note,
    }


def _event_values(event: DisseminationEvent | None) -> dict[str, str]:
    if event is None:
        return {field: "" for field in EVENT_FIELDS}
    return {
        "held_on": event.held_on.isoformat(),
        "title": event.title,
        "kind": event.kind,
        "audience": event.audience,
        "attendees": str(event.attendees),
        "note": event.note,
    }


def _in_form_order(errors: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
    """The messages in the order of the form's fields, for the summary above the form."""
    return {field: errors[field] for field in fields if field in errors} | errors


def _kind_options() -> list[tuple[str, str]]:
    return [(kind.value, gettext(kind.label)) for kind in EventKind]


# --- The form pages --------------------------------------------------------------------


async def _training_page(
    db_session: AsyncSession,
    *,
    training: Training | None,
    values: dict[str, str],
    errors: dict[str, str],
    submission_key: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    organisations = await activities.organisation_choices(db_session)
    return Template(
        template_name="reporting/training_form.html",
        status_code=status,
        context={
            "training": training,
            "heading": gettext("Edit the training") if training else gettext("Add a training"),
            "action_url": f"{PAGE}/trainings/{training.id}/edit"
            if training
            else f"{PAGE}/trainings",
            "values": values,
            "errors": errors,
            "submission_key": submission_key,
            "organisation_options": [(str(id_), name) for id_, name in organisations],
        },
    )


def _event_page(
    *,
    event: DisseminationEvent | None,
    values: dict[str, str],
    errors: dict[str, str],
    submission_key: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="reporting/event_form.html",
        status_code=status,
        context={
            "event": event,
            "heading": gettext("Edit the event") if event else gettext("Add an event"),
            "action_url": f"{PAGE}/events/{event.id}/edit" if event else f"{PAGE}/events",
            "values": values,
            "errors": errors,
            "submission_key": submission_key,
            "kind_options": _kind_options(),
        },
    )


async def _submit_training(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    viewer: Viewer,
    training: Training | None,
) -> Response[Any]:
    """Shared by add and edit: save and go back to the list, or show the form again with a
    message beside each field (nothing typed is lost). Adding is idempotent
    (:mod:`kit.idempotency`): the same form sent again creates nothing more."""
    form = await request.form()
    keys = FormKeys.of(form, creating=training is None)
    reader = FormReader(form)
    data = _read_training(reader)
    errors = dict(reader.errors)
    saved: Training | None = None
    try:
        if errors:
            # The rules' messages too, so that every wrong field is marked at once.
            await activities.check_training(db_session, data=data)
        elif training is None:
            created = await create_once(
                db_session,
                key=keys.claimed,
                user_id=viewer.user_id,
                fallback=PAGE,
                create=lambda: activities.create_training(db_session, data=data),
                page_of=lambda row: f"{PAGE}#training-{row.id}",
            )
            if isinstance(created, Earlier):
                return redirect_with(request, created.page, Earlier.message(), "info")
            saved = created
        else:
            saved = await activities.update_training(db_session, training=training, data=data)
    except Invalid as invalid:
        for name, message in invalid.errors.items():
            errors.setdefault(name, message)
    if errors or saved is None:
        return await _training_page(
            db_session,
            training=training,
            values={field: reader.raw(field) for field in TRAINING_FIELDS},
            errors=_in_form_order(errors, TRAINING_FIELDS),
            submission_key=keys.shown,
            status=HTTP_400_BAD_REQUEST,
        )
    return redirect_with(
        request,
        f"{PAGE}#training-{saved.id}",
        gettext("The training “%(title)s” was saved.") % {"title": saved.title},
    )


async def _submit_event(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    viewer: Viewer,
    event: DisseminationEvent | None,
) -> Response[Any]:
    """As :func:`_submit_training`, for a dissemination event."""
    form = await request.form()
    keys = FormKeys.of(form, creating=event is None)
    reader = FormReader(form)
    data = _read_event(reader)
    errors = dict(reader.errors)
    saved: DisseminationEvent | None = None
    try:
        if errors:
            activities.check_event(data)
        elif event is None:
            created = await create_once(
                db_session,
                key=keys.claimed,
                user_id=viewer.user_id,
                fallback=PAGE,
                create=lambda: activities.create_event(db_session, data=data),
                page_of=lambda row: f"{PAGE}#event-{row.id}",
            )
            if isinstance(created, Earlier):
                return redirect_with(request, created.page, Earlier.message(), "info")
            saved = created
        else:
            saved = await activities.update_event(db_session, event=event, data=data)
    except Invalid as invalid:
        for name, message in invalid.errors.items():
            errors.setdefault(name, message)
    if errors or saved is None:
        return _event_page(
            event=event,
            values={field: reader.raw(field) for field in EVENT_FIELDS},
            errors=_in_form_order(errors, EVENT_FIELDS),
            submission_key=keys.shown,
            status=HTTP_400_BAD_REQUEST,
        )
    return redirect_with(
        request,
        f"{PAGE}#event-{saved.id}",
        gettext("The event “%(title)s” was saved.") % {"title": saved.title},
    )


# --- Pages -----------------------------------------------------------------------------


class ActivityPages(Controller):
    path = PAGE
    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "training": Provide(provide_training),
        "event": Provide(provide_event),
    }

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        """Both lists, the newest first, and the totals to today against the targets."""
        programme = request.app.state.settings.programme
        today = clock.today()
        return Template(
            template_name="reporting/activities.html",
            context={
                "trainings": await activities.list_trainings(db_session),
                "events": await activities.list_events(db_session),
                "totals": await activities.totals(db_session, to_day=today),
                "target_trained": programme.target_trainers_trained,
                "target_attendees": programme.target_dissemination_attendees,
                "today": today,
                "can_write": viewer.is_coordinator,
                "kind_labels": dict(_kind_options()),
            },
        )

    @get("/trainings/new")
    async def new_training(self, db_session: NamedDependency[AsyncSession]) -> Template:
        return await _training_page(
            db_session,
            training=None,
            values=_training_values(None),
            errors={},
            submission_key=new_submission_key(),
        )

    @post("/trainings", status_code=HTTP_200_OK)
    async def create_training(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        return await _submit_training(request, db_session, viewer, None)

    @get("/trainings/{training_id:int}/edit")
    async def edit_training(
        self, db_session: NamedDependency[AsyncSession], training: NamedDependency[Training]
    ) -> Template:
        return await _training_page(
            db_session, training=training, values=_training_values(training), errors={}
        )

    @post("/trainings/{training_id:int}/edit", status_code=HTTP_200_OK)
    async def update_training(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        training: NamedDependency[Training],
    ) -> Response[Any]:
        return await _submit_training(request, db_session, viewer, training)

    @post("/trainings/{training_id:int}/remove", status_code=HTTP_200_OK)
    async def remove_training(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        training: NamedDependency[Training],
    ) -> Response[Any]:
        title = training.title
        await activities.remove_training(db_session, training=training)
        return redirect_with(
            request,
            f"{PAGE}#trainings",
            gettext("The training “%(title)s” was removed.") % {"title": title},
        )

    @get("/events/new")
    async def new_event(self) -> Template:
        return _event_page(
            event=None,
            values=_event_values(None),
            errors={},
            submission_key=new_submission_key(),
        )

    @post("/events", status_code=HTTP_200_OK)
    async def create_event(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        return await _submit_event(request, db_session, viewer, None)

    @get("/events/{event_id:int}/edit")
    async def edit_event(self, event: NamedDependency[DisseminationEvent]) -> Template:
        return _event_page(event=event, values=_event_values(event), errors={})

    @post("/events/{event_id:int}/edit", status_code=HTTP_200_OK)
    async def update_event(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        event: NamedDependency[DisseminationEvent],
    ) -> Response[Any]:
        return await _submit_event(request, db_session, viewer, event)

    @post("/events/{event_id:int}/remove", status_code=HTTP_200_OK)
    async def remove_event(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        event: NamedDependency[DisseminationEvent],
    ) -> Response[Any]:
        title = event.title
        await activities.remove_event(db_session, event=event)
        return redirect_with(
            request,
            f"{PAGE}#events",
            gettext("The event “%(title)s” was removed.") % {"title": title},
        )
