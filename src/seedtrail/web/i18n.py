"""The dashboard's language: the ``st_lang`` cookie if set, else Babel's best match for
``Accept-Language``, else Chinese; and its messages, from seedtrail's gettext catalogues
(:mod:`seedtrail.messages`, ``src/seedtrail/locales``; docs/i18n.md says how to add one).
"""

from __future__ import annotations

from seedtrail import messages
from seedtrail.messages import DEFAULT, LANGS, N_

__all__ = ["BUILT_KEYS", "COOKIE", "DEFAULT", "LANGS", "N_", "catalogue", "negotiate", "translate"]
COOKIE = "st_lang"


# Keys the views and templates build from a value (t("role." + role)); extraction reads them here.
BUILT_KEYS = (
    *(N_("role.operator"), N_("role.brand"), N_("role.creator")),
    *(N_("role.partner"), N_("role.moderator")),
    *(N_("case.status.open"), N_("case.status.actioned"), N_("case.status.appealed")),
    *(N_("case.status.dismissed"), N_("case.status.overturned")),
    *(N_("severity.low"), N_("severity.medium"), N_("severity.high"), N_("severity.critical")),
    *(N_("health.status.ok"), N_("health.status.degraded"), N_("health.status.broken")),
    N_("health.status.no_data"),
    *(N_("model.first_touch"), N_("model.last_click"), N_("model.last_touch")),
    *(N_("model.linear"), N_("model.markov"), N_("model.position_based")),
    *(N_("model.shapley"), N_("model.time_decay"), N_("model.calibrated")),
    *(N_("error.hint.401"), N_("error.hint.403"), N_("error.hint.404")),
    *(N_("error.hint.409"), N_("error.hint.422"), N_("error.hint.other")),
    N_("error.hint.404_public"),
    *(N_("done.actioned"), N_("done.appealed"), N_("done.closed"), N_("done.decided")),
    *(N_("done.dismissed"), N_("done.group"), N_("done.group_none")),
    *(N_("done.reopened"), N_("done.reversed")),
    *(N_("effect.open"), N_("effect.closed"), N_("state.paused"), N_("state.ended")),
    *(N_("partner_kind.marketplace"), N_("partner_kind.mini_program")),
    *(N_("partner_kind.web_shop"), N_("placement.*"), N_("placement.note_card")),
    N_("partner_kind.own_shop"),
    *(N_("note.label.ad"), N_("note.label.sponsored")),
    *(N_("note.go.web"), N_("note.go.app"), N_("note.go.mini_program")),
    *(N_("placement.comment"), N_("placement.profile_card")),
    *(N_("placement.search_card"), N_("placement.live_room")),
    *(N_("empty.attribution"), N_("empty.cases_run")),
)


def catalogue(lang: str) -> dict[str, str]:
    return messages.catalogue(lang)


def translate(lang: str, key: str, /, **fields: object) -> str:
    return messages.translate(lang, key, **fields)


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGS:
        return cookie
    return messages.negotiate(accept_language)
