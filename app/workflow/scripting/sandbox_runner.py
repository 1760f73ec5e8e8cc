"""The separate process that runs diagram code which could run away (loops, big arithmetic).

One runner per thread, started on first use. The child caps its address space; the parent waits
at most the time limit for an answer and otherwise kills the child, which is started again on the
next call. Only plain data crosses the pipe: task data in, a value or the new task data out.
"""

from __future__ import annotations

import multiprocessing
import pickle
import resource
import threading
from collections.abc import Mapping
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from app.calendar.workdays import WorkdayCalendar
from app.workflow.clock import step_clock, step_now
from app.workflow.scripting.sandbox import (
    ScriptRejected,
    ScriptTimeout,
    base_globals,
    compile_code,
    plain_results,
)

TIME_LIMIT_SECONDS = 2.0
# Starting the child (a fresh interpreter importing the sandbox) is not the script's time.
STARTUP_LIMIT_SECONDS = 60.0
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
MAX_RESULT_BYTES = 4 * 1024 * 1024


class ScriptFailed(Exception):
    """The code raised an error inside the sandbox; the message names its type and line."""


CalendarSnapshot = tuple[tuple[tuple[date, bool], ...], frozenset[int]]


def calendar_snapshot(calendar: WorkdayCalendar) -> CalendarSnapshot:
    """What the child needs to compute working days exactly as the parent does."""
    return tuple(sorted(calendar.overrides.items())), calendar.entered_years


def _line_of(error: BaseException) -> int | None:
    traceback = error.__traceback__
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename.startswith("<"):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _run_one(request: tuple[Any, ...], calendar: WorkdayCalendar) -> tuple[Any, ...]:
    mode, source, context, external, now = request
    with step_clock(now):
        return _run_code(mode, source, context, external, calendar)


def _run_code(
    mode: str,
    source: str,
    context: dict[str, Any],
    external: dict[str, Any],
    calendar: WorkdayCalendar,
) -> tuple[Any, ...]:
    globals_ = base_globals(calendar)
    scope = {**globals_, **external, **context}
    code = compile_code(source, mode)
    if mode == "eval":
        result = eval(code.code, scope)  # noqa: S307  (restricted bytecode, capped process)
    else:
        exec(code.code, scope)  # noqa: S102  (restricted bytecode, capped process)
        result = plain_results(scope, set(globals_) | set(external))
    return ("ok", result, frozenset(calendar.provisional_years))


def _serve(connection: Connection) -> None:
    """The child's loop: compile, run, answer; errors become answers, never crashes."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    calendar = WorkdayCalendar()
    connection.send(("ready",))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request[0] == "calendar":
            overrides, entered = request[1]
            calendar = WorkdayCalendar(overrides=dict(overrides), entered_years=entered)
            continue
        calendar.provisional_years.clear()
        try:
            answer = pickle.dumps(_run_one(request, calendar))
            if len(answer) > MAX_RESULT_BYTES:
                answer = pickle.dumps(
                    (
                        "error",
                        "ResultTooLarge",
                        f"the script's result is larger than {MAX_RESULT_BYTES // 1024 // 1024} MB",
                        None,
                    )
                )
            connection.send_bytes(answer)
        except MemoryError:
            connection.send(("error", "MemoryError", "the script used too much memory", None))
        except ScriptRejected as error:
            connection.send(("rejected", "ScriptRejected", str(error), None))
        except Exception as error:
            connection.send(("error", type(error).__name__, str(error)[:500], _line_of(error)))


class SandboxRunner:
    """The parent's handle on one child process."""

    def __init__(self) -> None:
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._calendar: CalendarSnapshot | None = None

    def _start(self) -> Connection:
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_serve, args=(child_end,), daemon=True, name="jixiao-sandbox"
        )
        process.start()
        child_end.close()
        self._process, self._connection, self._calendar = process, parent_end, None
        if not parent_end.poll(STARTUP_LIMIT_SECONDS) or parent_end.recv() != ("ready",):
            self.stop()
            raise ScriptFailed("the script sandbox did not start")
        return parent_end

    def stop(self) -> None:
        """Kill the child (it is started again on the next call)."""
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    def run(
        self,
        mode: str,
        source: str,
        context: Mapping[str, Any],
        external: Mapping[str, Any],
        calendar: WorkdayCalendar,
    ) -> Any:
        """Run `source` in the child with the time limit; return its value or raise."""
        connection = self._connection
        if connection is None or self._process is None or not self._process.is_alive():
            connection = self._start()
        snapshot = calendar_snapshot(calendar)
        if snapshot != self._calendar:
            connection.send(("calendar", snapshot))
            self._calendar = snapshot
        try:
            connection.send((mode, source, dict(context), dict(external), step_now()))
        except Exception as error:
            raise ScriptFailed(f"task data cannot be passed to the sandbox: {error}") from None
        if not connection.poll(TIME_LIMIT_SECONDS):
            self.stop()
            raise ScriptTimeout(
                f"the script ran longer than {TIME_LIMIT_SECONDS:g} s and was stopped"
            )
        try:
            answer = pickle.loads(connection.recv_bytes())  # noqa: S301  (our own child's reply)
        except (EOFError, OSError, pickle.UnpicklingError, AttributeError):
            self.stop()
            raise ScriptFailed("the sandbox process ended while running the script") from None
        return self._result(answer, calendar)

    @staticmethod
    def _result(answer: tuple[Any, ...], calendar: WorkdayCalendar) -> Any:
        status = answer[0]
        if status == "ok":
            calendar.provisional_years.update(answer[2])
            return answer[1]
        _status, kind, message, line = answer
        if status == "rejected":
            raise ScriptRejected(message)
        where = f" on line {line}" if line else ""
        raise ScriptFailed(f"{kind}{where}: {message}")


_local = threading.local()


def runner() -> SandboxRunner:
    """This thread's runner."""
    current: SandboxRunner | None = getattr(_local, "runner", None)
    if current is None:
        current = SandboxRunner()
        _local.runner = current
    return current
