"""Notes (with their industry category) and comments on them."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import ColumnElement, Connection, or_, select

from seedtrail.core.errors import Forbidden, InvalidInput
from seedtrail.core.principals import Principal
from seedtrail.core.resources import Resource, own_account, owned_by
from seedtrail.messages import N_, Msg, term
from seedtrail.store.schema import comments, notes
from seedtrail.store.types import Id, utcnow

Category = Literal[
    "beauty",
    "skincare",
    "fashion",
    "home",
    "mother_baby",
    "outdoor",
    "food",
    "digital",
    "health",
    "medical_beauty",
    "other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
#: each category's word in the reader's language (``category.<value>``; ``*``: a rule for any)
CATEGORY_TERMS = (
    *(N_("category.*"), N_("category.beauty"), N_("category.skincare"), N_("category.fashion")),
    *(N_("category.home"), N_("category.mother_baby"), N_("category.outdoor")),
    *(N_("category.food"), N_("category.digital"), N_("category.health")),
    *(N_("category.medical_beauty"), N_("category.other")),
)
NoteStatus = Literal["normal", "throttled", "removed"]
AdLabel = Literal["ad", "sponsored"]  # 广告 / 赞助 (store.schema.AD_LABELS)
CommentStatus = Literal["visible", "hidden", "removed"]
AUTHORS = frozenset({"operator", "brand", "creator"})


class NoteIn(BaseModel):
    author_id: Id | None = Field(
        default=None, description="Operators only; others post as themselves."
    )
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    category: Category
    published_at: AwareDatetime | None = None
    status: NoteStatus = "normal"
    ad_label: AdLabel | None = Field(
        default=None, description="Advertising disclosure shown with the note's links"
    )


class NotePatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=20000)
    category: Category | None = None
    status: NoteStatus | None = None
    ad_label: AdLabel | None = None


def _prepare_note(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    v["author_id"] = own_account(actor, v.get("author_id"), field_name="author_id")
    if v.get("published_at") is None:
        v["published_at"] = utcnow()
    if actor.role != "operator" and v.get("status") != "normal":
        raise Forbidden(Msg("problem.forbidden.staff_status", {"what": term("object", "note")}))
    return v


def _check_note(
    conn: Connection, actor: Principal, before: dict[str, object], v: dict[str, object]
) -> dict[str, object]:
    if "status" in v and actor.role not in ("operator", "moderator"):
        raise Forbidden(Msg("problem.forbidden.staff_status", {"what": term("object", "note")}))
    return v


def _note_scope(actor: Principal) -> ColumnElement[bool] | None:
    return owned_by(actor, notes.c.author_id)


NOTES = Resource(
    name="notes",
    noun="note",
    table=notes,
    create_model=NoteIn,
    update_model=NotePatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator"}),
    create_roles=AUTHORS,
    update_roles=AUTHORS,
    scope=_note_scope,
    prepare=_prepare_note,
    check_update=_check_note,
    policy_fields=frozenset({"status", "category", "ad_label"}),
    filters=("author_id", "category", "status"),
    moderator_fields=frozenset({"status"}),
    terms={"status": "state", "ad_label": "ad"},
)


class CommentIn(BaseModel):
    note_id: Id
    author_id: Id | None = None
    body: str = Field(min_length=1, max_length=5000)


class CommentPatch(BaseModel):
    body: str | None = Field(default=None, min_length=1, max_length=5000)
    status: CommentStatus | None = None


def _prepare_comment(conn: Connection, actor: Principal, v: dict[str, Any]) -> dict[str, Any]:
    v["author_id"] = own_account(actor, v.get("author_id"), field_name="author_id")
    status = conn.execute(select(notes.c.status).where(notes.c.id == v["note_id"])).scalar()
    if status is None:
        raise InvalidInput(
            Msg(
                "problem.invalid-input.missing",
                {"what": term("object", "note"), "id": v["note_id"]},
            )
        )
    if status == "removed":
        raise InvalidInput(Msg("problem.invalid-input.note_removed", {"id": v["note_id"]}))
    return v


def _check_comment(
    conn: Connection, actor: Principal, before: dict[str, object], v: dict[str, object]
) -> dict[str, object]:
    if "status" in v and actor.role not in ("operator", "moderator"):
        raise Forbidden(Msg("problem.forbidden.staff_status", {"what": term("object", "comment")}))
    if "body" in v and before["author_id"] != actor.account_id and actor.role != "operator":
        raise Forbidden(Msg("problem.forbidden.comment_author"))
    return v


def _comment_scope(actor: Principal) -> ColumnElement[bool] | None:
    if actor.account_id is None:
        return owned_by(actor, comments.c.author_id)
    own_notes = select(notes.c.id).where(notes.c.author_id == actor.account_id)
    return or_(comments.c.author_id == actor.account_id, comments.c.note_id.in_(own_notes))


COMMENTS = Resource(
    name="comments",
    noun="comment",
    table=comments,
    create_model=CommentIn,
    update_model=CommentPatch,
    read_roles=frozenset({"operator", "moderator", "brand", "creator"}),
    create_roles=AUTHORS,
    update_roles=AUTHORS,
    scope=_comment_scope,
    prepare=_prepare_comment,
    check_update=_check_comment,
    filters=("note_id", "author_id", "status"),
    moderator_fields=frozenset({"status"}),
    terms={"status": "state"},
)
