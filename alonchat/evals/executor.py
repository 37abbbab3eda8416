"""Working a run: cells claimed one at a time from the database, sent through ai_service, graded and stored.

Each provider (an OpenAI-compatible endpoint is its own provider) gets its own lane of worker threads,
as many as its concurrency limit, claiming only its own panes' cells: a slow provider never holds the
others back. Judge calls take a slot of the judge's provider. Memory stays bounded whatever the run's
size: a worker holds one cell at a time, and answers go to the database as they finish.

Stop (the page's button, `alonchat eval stop`, Ctrl+C) stops claiming and cancels the calls in flight:
their cells go back to pending (the cancelled calls stay in the ledger, as every call does), and every
finished cell is kept. A second stop also cancels judge calls in flight.
"""

from __future__ import annotations

import json
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..access import identity
from ..calls.result import CallResult
from ..core.errors import AlonChatError, BudgetExceededError, CancelledError, ProviderError, ValidationError
from ..core.text import redact
from . import checks as checks_
from . import judge as judge_
from . import runs, sets
from .inputs import Inputs
from .panes import Pane
from .promptfoo import catalog_name


@dataclass
class CellOutcome:
    """A finished cell as its consumer sees it (the CLI's JSON line, the page's live count)."""

    cell: runs.Claimed
    pane: Pane
    values: dict

    @property
    def passed(self) -> bool | None:
        return self.values.get("passed")

    def as_json(self, prompt_title: str | None = None) -> dict:
        v = self.values
        return {"kind": "cell", "case": self.cell.case_idx + 1, "prompt": self.cell.prompt_idx + 1,
                "model": self.pane.model, "pane": self.cell.pane_idx + 1, "repeat": self.cell.repeat_idx + 1,
                "pass": v.get("passed"), "score": v.get("score"), "output": v.get("output"),
                "cost_usd": None if v.get("cost_usd") is None else float(v["cost_usd"]),
                "latency_ms": None if v.get("latency_ms") is None else round(v["latency_ms"], 1),
                "ttft_ms": None if v.get("ttft_ms") is None else round(v["ttft_ms"], 1),
                "status": v.get("status"), "error": v.get("error"),
                "judge_cost_usd": None if v.get("judge_cost_usd") is None else float(v["judge_cost_usd"])}


class Executor:
    """Works one run in this process until no cell is left for it, or it is stopped."""

    def __init__(self, run_id: int, *, user: str | None = None, service=None,
                 on_cell: Callable[[CellOutcome], None] | None = None):
        from ..calls.service import ai_service

        self.run = runs.get(run_id)  # the acting user may see it (else refused here, in their context)
        self.user = user or identity.current_user()
        self.set = sets.get(self.run.set_id)
        self.inputs = Inputs(self.set)
        self.service = service or ai_service
        self.on_cell = on_cell
        self.stopping = threading.Event()  # stop claiming
        self.cancel = threading.Event()  # cancel the models' calls in flight
        self.judge_cancel = threading.Event()  # cancel judge calls too (a second stop)
        self.finished = threading.Event()
        self.problem: str | None = None
        self.token: str | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        from ..catalog import models as catalog

        self.providers = [catalog.resolve(p.model).provider for p in self.run.panes]
        self.lanes: dict[str, list[int]] = {}
        for i, provider in enumerate(self.providers):
            self.lanes.setdefault(provider, []).append(i)
        self.judge = self.run.judge  # stored as a catalog name (plan.make maps it)
        # Every judge the checks name, mapped to (catalog name, provider) once: not per graded cell.
        self.judges: dict[str | None, tuple[str, str]] = {}
        for check in [*self.set.checks, *(c for case in self.set.cases for c in case.checks)]:
            if check.type == checks_.JUDGE and check.judge not in self.judges:
                name = catalog_name(check.judge, "judge") if check.judge else self.judge
                if name is not None:
                    self.judges[check.judge] = (name, catalog.resolve(name).provider)
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    # --- lifecycle ------------------------------------------------------------------------------------------
    def slot(self, provider: str) -> threading.BoundedSemaphore:
        with self._lock:
            if provider not in self._slots:
                self._slots[provider] = threading.BoundedSemaphore(self.run.limit(provider))
            return self._slots[provider]

    def start(self) -> Executor:
        runs.reclaim_stale(self.run.id)
        self.token = runs.register(self.run.id, self.user)
        runs.set_status(self.run.id, "running", started=True)
        for model in dict.fromkeys([p.model for p in self.run.panes] + [n for n, _ in self.judges.values()]):
            self.service.warm(model)
        # Every thread acts as whoever started the run: its calls are charged to them, its reads are theirs.
        beat = threading.Thread(target=identity.carried(self._beat), name=f"eval-{self.run.id}-heartbeat",
                                daemon=True)
        beat.start()
        self.claims = {i: runs.claim_statement(i) for i in range(len(self.run.panes))}
        work = identity.carried(self._work)
        for provider, idxs in self.lanes.items():
            for k in range(self.run.limit(provider)):
                # Each worker takes its lane's panes in turn, starting at a different one: they progress evenly.
                turns = idxs[k % len(idxs):] + idxs[:k % len(idxs)]
                t = threading.Thread(target=work, args=(provider, turns), daemon=True,
                                     name=f"eval-{self.run.id}-{provider}-{k}")
                self._threads.append(t)
                t.start()
        return self

    def stop(self, *, hard: bool = False) -> None:
        """Stop claiming and cancel the calls in flight; `hard` cancels judge calls in flight too."""
        self.stopping.set()
        self.cancel.set()
        if hard:
            self.judge_cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the workers (True when all are done), then settle the run's state once."""
        for t in self._threads:
            t.join(timeout)
        if any(t.is_alive() for t in self._threads):
            return False
        self._settle()
        return True

    def run_here(self) -> None:
        """Start, wait, and on Ctrl+C stop (a second Ctrl+C stops the judges too) before passing it on."""
        self.start()
        try:
            self.wait()
        except KeyboardInterrupt:
            self.stop()
            try:
                self.wait()
            except KeyboardInterrupt:
                self.stop(hard=True)
                self.wait()
            raise

    def _settle(self) -> None:
        with self._lock:
            if self.finished.is_set():
                return
            self.finished.set()
        if self.token is not None:
            runs.unregister(self.token)
        p = runs.progress(self.run.id)
        if not p.pending and not p.running:
            runs.set_status(self.run.id, "done")
        elif not p.workers:
            runs.set_status(self.run.id, "stopped", problem=self.problem)
        elif self.problem:
            runs.set_status(self.run.id, "running", problem=self.problem)

    def _beat(self) -> None:
        while not self.finished.wait(runs.HEARTBEAT_SECONDS):
            try:
                if runs.heartbeat(self.token, self.run.id):
                    self.stop()
            except Exception:  # a busy database: the next beat tries again (30 s before others count us gone)
                pass

    # --- one worker -----------------------------------------------------------------------------------------
    def _work(self, provider: str, turns: list[int]) -> None:
        try:
            _, cell = self._next(turns)
        except Exception as e:
            self._fail(f"Could not claim a cell: {e}")
            return
        while cell is not None:
            try:
                outcome = self._cell(cell, provider)
            except BaseException as e:  # a bug: give the cell back, say why, stop the run
                runs.release(cell.id, self.token)
                self._fail(f"{type(e).__name__}: {redact(str(e))}")
                if not isinstance(e, Exception):
                    raise
                return
            try:
                if outcome is None:  # stopped before it was answered: the next resume runs it
                    runs.release(cell.id, self.token)
                    stored, cell = False, None if self.stopping.is_set() else self._next(turns)[1]
                elif self.stopping.is_set():
                    stored, cell = runs.finish(cell.id, self.token, outcome.values), None
                else:
                    stored, cell = self._next(turns, (cell.id, outcome.values))
            except Exception as e:  # the database refused the write: stop, the cell stays claimed until resumed
                self._fail(f"Could not store a cell: {e}")
                return
            if stored and self.on_cell is not None:
                try:
                    self.on_cell(outcome)
                except Exception:  # the consumer's problem (a closed pipe) must not lose cells
                    pass

    def _next(self, turns: list[int], finished: tuple[int, dict] | None = None) -> tuple[bool, runs.Claimed | None]:
        """Store `finished` (cell id, values) and claim the next cell, taking the lane's panes in turn.

        A pane with nothing pending leaves this worker's turns. Returns (stored, the claimed cell or None).
        """
        stored = False
        if turns:
            turns.append(turns.pop(0))
        while turns:
            stmt = self.claims[turns[0]]
            if finished is not None:  # the store and the first claim in one transaction
                stored, cell = runs.finish_and_claim(finished[0], self.token, finished[1], stmt, self.run.id)
                finished = None
            else:
                cell = runs.claim(stmt, self.run.id, self.token)
            if cell is not None:
                return stored, cell
            turns.pop(0)
        if finished is not None:
            stored = runs.finish(finished[0], self.token, finished[1])
        return stored, None

    def _fail(self, message: str) -> None:
        self.problem = self.problem or message
        self.stop()

    def _cell(self, cell: runs.Claimed, provider: str) -> CellOutcome | None:
        pane = self.run.panes[cell.pane_idx]
        case = self.set.cases[cell.case_idx]
        found = [*self.set.checks, *case.checks]
        try:
            messages, options = self.inputs.request(cell.case_idx, cell.prompt_idx, pane)
        except ValidationError as e:  # cannot happen for a planned run; said in the cell, nothing sent
            return CellOutcome(cell, pane, {"status": "error", "error": str(e), "passed": False if found else None})
        with self.slot(provider):
            if self.cancel.is_set():
                return None
            result = self._call(pane, messages, options)
        if result is None:
            return None
        values = {"status": result.status, "output": result.content if (result.content or result.ok) else None,
                  "error": result.error_message, "cost_usd": result.cost_usd,
                  "latency_ms": result.latency_ms if result.sent else None, "ttft_ms": result.ttft_ms,
                  "input_tokens": result.usage.input_tokens if result.usage_id else None,
                  "output_tokens": result.usage.output_tokens if result.usage_id else None,
                  "usage_id": result.usage_id}
        if not result.ok:
            values["passed"] = False if found else None  # a failed call did not pass its checks
            return CellOutcome(cell, pane, values)
        verdicts = [self._grade(check, result, cell, pane) for check in found]
        scores = [v.score for v in verdicts if v.score is not None and v.check.type == checks_.JUDGE]
        values.update(passed=checks_.overall(verdicts), score=statistics.fmean(scores) if scores else None,
                      checks=json.dumps([v.as_json() for v in verdicts], ensure_ascii=False) if verdicts else None,
                      judge_cost_usd=judge_.total_cost(verdicts), self_judged=any(v.self_judged for v in verdicts))
        return CellOutcome(cell, pane, values)

    def _call(self, pane: Pane, messages: list, options: dict) -> CallResult | None:
        """The pane's call; None when it was stopped (or a budget ran out: the run stops, the cell waits)."""
        try:
            result = None
            for item in self.service.stream(pane.model, messages, user=self.user, cancel=self.cancel, source="eval",
                                            source_id=self.run.id, **options):
                if isinstance(item, CallResult):
                    result = item
            return result or CallResult(model=pane.model, status="truncated",
                                        error=ProviderError("The stream ended without a result."))
        except CancelledError:
            return None
        except BudgetExceededError as e:
            self._fail(f"Stopped: a budget ran out. {e}")
            return None
        except AlonChatError as e:
            return getattr(e, "result", None) or CallResult(model=pane.model, status=e.status, error=e)

    def _grade(self, check: checks_.Check, result: CallResult, cell: runs.Claimed, pane: Pane) -> checks_.Verdict:
        if check.type in checks_.LIMITS:
            return checks_.grade_limit(check, result.cost_usd, result.latency_ms, result.ttft_ms)
        if check.type != checks_.JUDGE:
            return checks_.grade_text(check, result.content)
        found = self.judges.get(check.judge)
        if found is None:  # a run stored without its judge: the check cannot be graded
            return checks_.Verdict(check, None, "not graded: the run has no judge model")
        name, provider = found
        with self.slot(provider):
            return judge_.grade(check, result.content, self.inputs.question(cell.case_idx, cell.prompt_idx), name,
                                pane_model=pane.model, user=self.user, run_id=self.run.id, cancel=self.judge_cancel,
                                service=self.service)


def start_in_background(run_id: int, *, user: str | None = None) -> Executor:
    """Work the run on a thread of this process (the app's): the page follows it through the database."""
    executor = Executor(run_id, user=user)
    executor.start()
    threading.Thread(target=identity.carried(executor.wait), name=f"eval-{run_id}-settle", daemon=True).start()
    return executor
