"""The browser tabs that hold a model: admission up to a cap, room made by culling a tab
no page is connected to, and forgetting a tab once it closes.

Each browser tab is a Solara kernel (:class:`VirtualKernelContext`) with a model of its
own (tens of MiB); ``gridgov dashboard --max-sessions`` bounds how many hold one at once.
"""

from __future__ import annotations

import threading

from solara.server import kernel_context
from solara.server.kernel_context import PageStatus, VirtualKernelContext

from .text import tr

# The kernels (browser tabs) that hold a model, by kernel id, oldest first.
_sessions: dict[str, VirtualKernelContext] = {}
_sessions_lock = threading.Lock()


class ClosedTab:
    """What a closed tab's model reactive holds instead of its model, so that nothing
    Solara keeps of a closed kernel (widgetti/solara#1180) keeps the model (tens of MiB)."""

    running = False
    halted = True


CLOSED = ClosedTab()


def _connected(context: VirtualKernelContext) -> bool:
    """Whether a page (browser tab) is connected to ``context`` now. Read without the
    kernel's lock: it is held while that kernel renders, which may be waiting to be
    admitted."""
    return PageStatus.CONNECTED in list(context.page_status.values())


def admit_session(context: VirtualKernelContext, max_sessions: int) -> bool:
    """Whether the browser tab of ``context`` (its Solara kernel) may have a model: yes
    while fewer than ``max_sessions`` tabs hold one. At the cap the oldest kernel that no
    tab is connected to (a tab closed without saying so, or a dropped connection, which
    Solara would keep for the cull timeout) is closed to make room; if every one has a tab
    on screen, no: nobody's run is taken from them, and the newcomer is told to wait."""
    victim = None
    with _sessions_lock:
        for key, held in list(_sessions.items()):
            if held.closed_event.is_set() or kernel_context.contexts.get(key) is not held:
                del _sessions[key]
        if _sessions.get(context.id) is context:
            return True
        if len(_sessions) >= max_sessions:
            victim = next((c for c in _sessions.values() if not _connected(c)), None)
            if victim is None:
                return False
            del _sessions[victim.id]
        _sessions[context.id] = context
    if victim is not None:
        # as Solara's own cull does, from another thread: this one renders a kernel
        threading.Thread(target=victim.close, kwargs={"reason": "cull"}, daemon=True,
                         name=f"gridgov-cull-{victim.id}").start()
    return True


def admitted(max_sessions: int | None) -> bool:
    """Whether the current kernel's tab may have a model (:func:`admit_session`; always
    without a cap or outside a kernel)."""
    if max_sessions is None or not kernel_context.has_current_context():
        return True
    return admit_session(kernel_context.get_current_context(), max_sessions)


def forget_session() -> None:
    """Drop the current kernel from the tabs that hold a model (its tab closed)."""
    if kernel_context.has_current_context():
        context = kernel_context.get_current_context()
        with _sessions_lock:
            if _sessions.get(context.id) is context:
                del _sessions[context.id]


def busy_message(max_sessions: int, lang: str = "en") -> str:
    """What a tab beyond the cap is shown instead of a model."""
    return tr(lang, "busy", n=max_sessions)
