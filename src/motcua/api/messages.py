"""Messages the API shows that are worded in its dossier helpers (`motcua.dossiers.idempotency`,
`motcua.dossiers.attachments`): listed here so that the API's catalogue carries their translations."""

from __future__ import annotations

from django.utils.translation import gettext_noop

MESSAGES = (
    gettext_noop("This Idempotency-Key was already used for a different request; use a new key."),
    gettext_noop("This dossier has no such component."),
    gettext_noop("You may not add files to this dossier."),
    gettext_noop("The dossier is closed; no more files can be added."),
)
