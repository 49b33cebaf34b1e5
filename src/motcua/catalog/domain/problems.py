"""A problem found by a pure rule: which column, what is wrong, how to fix it.

Messages are English msgids with ``%(name)s`` placeholders, marked with `gettext_noop` so that
`makemessages` collects them; the Django layer translates them (``gettext(p.message) % p.params``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it here (the domain has no Django)."""
    return message


@dataclass(frozen=True)
class Problem:
    column: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, translate: object = None) -> str:
        """The message with its parameters filled in; `translate` is e.g. Django's `gettext`."""
        text = translate(self.message) if callable(translate) else self.message
        if not self.params:
            return str(text)
        params = {k: v.render(translate) if isinstance(v, Problem) else v for k, v in self.params.items()}
        return str(text) % params
