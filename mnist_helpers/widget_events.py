"""Handle widget messages that arrive while the kernel's main thread is busy, e.g. a Stop click during training.

A widget callback that runs long (the playground trains inside its Train click handler, or in a cell) keeps the
kernel busy: messages from the browser wait in the kernel's queue until it returns. Running the work in a
background thread instead is no answer, because Google Colab never shows widget updates sent from a background
thread (googlecolab/colabtools#3373). So the long callback stays on the main thread and calls ``handle_now()``
every few batches; that reads the waiting messages, runs the widget ones (``comm_msg``: button clicks, slider
moves) at once, and keeps every other message (a cell you run, autocompletion) for the kernel to run, in their
order, when the long callback ends.

Each widget message is run the way ipykernel's ``dispatch_shell`` runs it between cells: its own parent header,
a "busy" status before and an "idle" status after, on IOPub. A widget front end (ipywidgets 7 and 8,
``packages/base/src/widget.ts``) sends a control's next change only after the kernel said "idle" for the
previous one, so without that status a slider moved during a run would never send another change. Then the
busy callback's parent header comes back, and a "busy" status for it, so that the notebook still shows the
kernel busy.

The same idea as the ``jupyter-ui-poll`` package, kept to what the playground needs and written for ipykernel 6
(Colab has 6.17) and 7 alike. It uses ipykernel internals (the shell stream's ``_recv_callback``, ipykernel 7's
subshell socket pair, ``_publish_status``). Where they are missing, ``WidgetEventPump.problem`` says so, a
``RuntimeWarning`` is issued, and the work still runs: a kernel interrupt (the notebook's stop button, or
Runtime > Interrupt execution in Colab) then stops it.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
import warnings
from typing import Any

WIDGET_MESSAGES = frozenset({"comm_msg"})
_KERNEL_METHODS = ("session", "shell_handlers", "get_parent", "set_parent", "_publish_status")
_active = False  # one pump at a time: a widget message run by the pump must not start another


class WidgetEventPump:
    """``with WidgetEventPump() as pump: ... pump.handle_now() ...`` while the main thread is busy.

    ``handle_now()`` returns at once when called again within ``interval`` seconds, so it can be called after
    every training batch. Outside a Jupyter kernel (scripts, tests) it does nothing. In a kernel whose internals
    it does not recognise it does nothing either, and ``problem`` says what is missing (``None`` otherwise).
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.problem: str | None = None
        self._kernel: Any = None
        self._stream: Any = None
        self._original: Any = None
        self._copy = False
        self._kept: list[Any] = []
        self._last = 0.0

    def __enter__(self) -> WidgetEventPump:
        global _active
        if _active:
            return self
        kernel = _current_kernel()
        if kernel is None:
            return self
        missing = [name for name in _KERNEL_METHODS if not hasattr(kernel, name)]
        stream = _main_shell_stream(kernel)
        original = getattr(stream, "_recv_callback", None)
        if original is None or not hasattr(stream, "on_recv") or not hasattr(stream, "flush"):
            missing.append("the shell stream's _recv_callback")
        if missing:
            self.problem = (
                f"this Jupyter kernel ({type(kernel).__module__}) lacks {', '.join(missing)}, so widget clicks "
                "cannot reach a running cell or run"
            )
            warnings.warn(f"mnist_helpers.widget_events: {self.problem}.", RuntimeWarning, stacklevel=2)
            return self
        self._kernel, self._stream, self._original = kernel, stream, original
        self._copy = bool(getattr(stream, "_recv_copy", False))
        stream.on_recv(self._receive, copy=self._copy)
        _active = True
        return self

    def handle_now(self) -> None:
        """Run the widget messages waiting now (at most every ``interval`` seconds)."""
        if self._stream is None:
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self._stream.flush(1)  # 1 = zmq.POLLIN: read what is waiting, calling self._receive for each message

    def __exit__(self, *exc_info: Any) -> None:
        global _active
        if self._stream is None:
            return
        try:
            self._stream.flush(1)
        finally:
            self._stream.on_recv(self._original, copy=self._copy)
            for message in self._kept:  # the kernel runs them after the busy callback, in the order they came
                result = self._original(message)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            self._kept.clear()
            self._stream = None
            _active = False

    def _receive(self, message: list[Any]) -> None:
        kernel = self._kernel
        try:
            idents, frames = kernel.session.feed_identities(message, copy=self._copy)
            header = kernel.session.deserialize(frames, content=False, copy=self._copy)["header"]
        except Exception:  # not ours to judge: the kernel will report it when it reads the message
            header = {}
        if header.get("msg_type") not in WIDGET_MESSAGES:
            self._kept.append(message)
            return
        self._run_widget_message(idents, frames)

    def _run_widget_message(self, idents: list[Any], frames: list[Any]) -> None:
        """What ``dispatch_shell`` does for a comm message, then the busy callback's parent and status restored."""
        kernel = self._kernel
        parent, parent_ident = kernel.get_parent("shell"), _parent_ident(kernel)
        try:
            message = kernel.session.deserialize(frames, content=True, copy=self._copy)
        except Exception:
            kernel.log.error("Invalid widget message during a busy callback", exc_info=True)
            return
        kernel.set_parent(idents, message, channel="shell")
        kernel._publish_status("busy", "shell", parent=message)
        try:
            result = kernel.shell_handlers["comm_msg"](self._stream, idents, message)
            if inspect.iscoroutine(result):  # comm handlers are plain functions; never leave a coroutine behind
                result.close()
        except Exception:
            kernel.log.error("Exception in a widget message handled during a busy callback", exc_info=True)
        finally:
            for stream in (sys.stdout, sys.stderr):  # what the handler printed goes out under its own parent
                if stream is not None:
                    stream.flush()
            kernel._publish_status("idle", "shell", parent=message)
            kernel.set_parent(parent_ident, parent, channel="shell")  # outputs keep going to the busy cell
            kernel._publish_status("busy", "shell", parent=parent)


def _current_kernel() -> Any:
    """The running ipykernel, or ``None`` outside one (a script, a test, a terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return getattr(get_ipython(), "kernel", None)


def _main_shell_stream(kernel: Any) -> Any:
    """The stream the main thread reads shell messages from: ipykernel 7 relays them from its shell-channel
    thread through an in-process socket; ipykernel 6 reads the shell socket itself."""
    channel_thread = getattr(kernel, "shell_channel_thread", None)
    if channel_thread is not None:
        try:
            return channel_thread.manager.get_shell_channel_to_subshell_pair(None).to_stream
        except Exception:
            return None
    return getattr(kernel, "shell_stream", None)


def _parent_ident(kernel: Any) -> Any:
    if hasattr(kernel, "_shell_parent_ident"):  # ipykernel 7: a context variable
        return kernel._get_shell_context_var(kernel._shell_parent_ident)
    return getattr(kernel, "_parent_ident", {}).get("shell")  # ipykernel 6
