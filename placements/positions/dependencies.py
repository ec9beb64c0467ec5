"""What the position handlers are given: the position a person may change, already checked."""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from kit.i18n import gettext
from kit.roles import Viewer
from placements.models import Position
from placements.positions import queries, services


async def provide_own_position(
    db_session: NamedDependency[AsyncSession],
    viewer: NamedDependency[Viewer],
    position_id: FromPath[int],
) -> Position:
    """The ``position`` dependency: the position if the signed-in employer's organisation
    owns it; 404 otherwise (another organisation's position is not even said to exist)."""
    position = await queries.get_position(db_session, position_id=position_id, viewer=viewer)
    if position is None or not services.may_edit(viewer, position):
        raise NotFoundException(detail=gettext("No such position."))
    return position
