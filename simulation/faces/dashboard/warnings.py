"""Silence, by exact message and module, the third-party warnings a served dashboard would
print on every page load: nothing the user can act on. gridgov's own warnings (a lever that
cannot act, an overloaded service point) are not Python warnings: the page shows them.

- Solara's server warns on each page load that a ``samesite=none`` cookie needs https
  (``solara/server/starlette.py``, ``root``), whenever the page is not served on
  ``localhost``, e.g. on ``127.0.0.1``, the dashboard's default: it then sets a
  ``samesite=lax`` cookie, which is right for a page that is not embedded in another site.
"""

from __future__ import annotations

import warnings

# (message regex, anchored at its start as warnings.filterwarnings does, and module)
THIRD_PARTY: tuple[tuple[str, str], ...] = (
    (r"Cookies with samesite=none require https, but according to the asgi framework, "
     r"the scheme is 'http'\n", r"solara\.server\.starlette\Z"),
)


def quiet_third_party_warnings() -> None:
    """Ignore exactly the warnings of :data:`THIRD_PARTY` (idempotent)."""
    for message, module in THIRD_PARTY:
        warnings.filterwarnings("ignore", message=message, category=UserWarning,
                                module=module)
