"""Handle widget clicks that arrive while the kernel's main thread is busy, e.g. a Stop click during training.

A widget callback that runs long (the playground trains inside its Train click handler) keeps the kernel
busy: messages from the browser wait in the kernel's queue until the handler returns. Running the work in a
background thread instead is no answer, because Google Colab never shows widget updates sent from a
background thread (googlecolab/colabtools#3373). So the long callback stays on the main thread and calls
``handle_now()`` every few batches; that reads the waiting messages, runs the widget ones (``comm_msg``: button
clicks, slider moves) at once, and keeps every other message (a cell you run, autocompletion) for the kernel
to run, in their order, when the long callback ends. Widget messages thus overtake a waiting cell, as
ipykernel 7 itself lets them do while an async cell waits.

The same idea as the ``jupyter-ui-poll`` package, kept to what the playground needs and written for ipykernel 6
(Colab has 6.17) and 7 alike. It reaches into ipykernel's message stream (``_recv_callback``), so wherever it
does not recognise the kernel it does nothing and the work still runs; a kernel interrupt (the stop button, or
Runtime > Interrupt execution in Colab) then stops it.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any

WIDGET_MESSAGES = frozenset({"comm_msg"})
_active = False  # one pump at a time: a widget message run by the pump must not start another


class WidgetEventPump:
    """``with WidgetEventPump() as pump: ... pump.handle_now() ...`` while the main thread is busy.

    ``handle_now()`` returns at once when called again within ``interval`` seconds, so it can be called after
    every training batch. Outside a Jupyter kernel (scripts, tests) it does nothing.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.handled = 0  # widget messages run during the busy period
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
        stream = _main_shell_stream(kernel) if kernel is not None else None
        original = getattr(stream, "_recv_callback", None)
        if original is None:
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
        self.handled += 1
        self._run_widget_message(idents, frames)

    def _run_widget_message(self, idents: list[Any], frames: list[Any]) -> None:
        """What the kernel's dispatcher does for a comm message, then the busy callback's parent restored."""
        kernel = self._kernel
        parent, parent_ident = kernel.get_parent("shell"), _parent_ident(kernel)
        try:
            message = kernel.session.deserialize(frames, content=True, copy=self._copy)
            kernel.set_parent(idents, message, channel="shell")
            result = kernel.shell_handlers["comm_msg"](self._stream, idents, message)
            if inspect.iscoroutine(result):  # comm handlers are plain functions; never leave a coroutine behind
                result.close()
        except Exception:
            kernel.log.error("Exception in a widget message handled during a busy callback", exc_info=True)
        finally:
            kernel.set_parent(parent_ident, parent, channel="shell")  # outputs keep going to the busy cell


def _current_kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    needed = ("session", "shell_handlers", "get_parent", "set_parent")
    return kernel if kernel is not None and all(hasattr(kernel, name) for name in needed) else None


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
