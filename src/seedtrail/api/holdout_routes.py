"""The lift holdout, for the community's boost server: is this user kept out of boosts?

Operators only: the answer, asked for every user, would reveal the whole holdout, and a brand
that knew it could aim other spend at it and bias its own lift. The rule is in
:mod:`seedtrail.holdout`; the share and salt are settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from seedtrail.api.deps import Actor, Body
from seedtrail.core.errors import Forbidden
from seedtrail.core.settings import Settings
from seedtrail.holdout import in_holdout
from seedtrail.messages import Msg, term

router = APIRouter()


@router.get(
    "/holdout/{user_key:path}",
    tags=["holdout"],
    summary="Whether a community user is in the lift holdout (never shown boosts)",
)
def holdout(
    user_key: Annotated[str, Path(min_length=1, max_length=256)], actor: Actor, request: Request
) -> Body:
    if actor.role != "operator":
        raise Forbidden(Msg("problem.forbidden.holdout", {"role": term("role", actor.role)}))
    settings: Settings = request.app.state.settings
    share = settings.holdout_share
    return {
        "user_key": user_key,
        "holdout": in_holdout(user_key, share, settings.holdout_salt),
        "share": share,
    }
