"""The parallel pane runner, without Streamlit: concurrency, per-pane failures, cancellation, callbacks."""

from __future__ import annotations

import threading

from sqlalchemy import select

from alonchat.calls.attempt import RetryPolicy
from alonchat.calls.parallel import PaneEvent, PaneRequest, ParallelRun
from alonchat.calls.service import AIService, ai_service
from alonchat.core import errors
from alonchat.core.types import RetryNotice
from alonchat.providers import Provider, SDKProvider, StreamEnd, TextDelta, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from tests.support.cli_process import wait_for
from tests.support.scripted import ScriptedProvider, add_model


def text(event: PaneEvent) -> bool:
    """Whether the event is answer text (the service's own TextDelta, handed on as it is)."""
    return isinstance(event.event, TextDelta)


def usage_rows():
    with session() as s:
        return list(s.scalars(select(UsageRecord).order_by(UsageRecord.id)))


class GatedProvider(Provider):
    """Streams one chunk, then waits for `gate` before the rest: a sequential runner could never open it."""

    def __init__(self, name: str, gate: threading.Event):
        self.name, self.gate = name, gate
        self.initialize({})

    def stream(self, request):
        yield TextDelta(f"{self.name}-first ")
        if not self.gate.wait(timeout=20):
            raise errors.ProviderTimeoutError("the other pane never streamed: panes ran one after another")
        yield TextDelta(f"{self.name}-last")
        yield StreamEnd(Usage(input_tokens=3, output_tokens=2), "stop")

    def chat(self, request):
        raise NotImplementedError


def test_both_panes_receive_text_before_either_finishes():
    gate = threading.Event()
    for name in ("slow-a", "slow-b"):
        add_model(name, provider=name)
        registry.register(GatedProvider(name, gate))
    order: list[tuple[int, str]] = []
    seen_text: set[int] = set()
    with ParallelRun([PaneRequest("slow-a", [{"role": "user", "content": "hi"}]),
                      PaneRequest("slow-b", [{"role": "user", "content": "hi"}])]) as run:
        for event in run.events():
            order.append((event.pane, text(event)))
            if text(event):
                seen_text.add(event.pane)
                if seen_text == {0, 1}:
                    gate.set()  # the consumer has text from both panes while both are still running
    first_done = next(i for i, (_, is_text) in enumerate(order) if not is_text)
    assert {pane for pane, is_text in order[:first_done] if is_text} == {0, 1}
    assert [p.text for p in run.panes] == ["slow-a-first slow-a-last", "slow-b-first slow-b-last"]
    assert all(p.result.status == "ok" for p in run.panes)


def test_one_failing_pane_does_not_stop_the_other():
    add_model("good")
    add_model("bad", provider="broken")
    registry.register(ScriptedProvider([["fine ", "answer", StreamEnd(Usage(2, 0, 0, 2), "stop")]]))
    registry.register(ScriptedProvider([[errors.AuthError("Invalid API key (401).", status_code=401)]],
                                       name="broken"))
    seen = {}
    run = ParallelRun([PaneRequest("good", "hello"), PaneRequest("bad", "hello")],
                      user="ana", conversation_id=42, on_result=lambda i, r: seen.setdefault(i, r))
    with run:
        while not run.finished:
            run.poll(0.05)
    good, bad = run.panes
    assert good.result.status == "ok" and good.text == "fine answer"
    assert bad.result.status == "error" and "Invalid API key" in bad.result.error_message
    assert seen[0].status == "ok" and seen[1].status == "error"
    assert sorted((r.model_name, r.status, r.user, r.conversation_id) for r in usage_rows()) == [
        ("bad", "error", "ana", 42), ("good", "ok", "ana", 42)]


def test_rate_limit_after_retries_shows_in_its_pane_only():
    add_model("limited", provider="limited")
    registry.register(ScriptedProvider([[errors.RateLimitError("Rate limited (429).", status_code=429)]],
                                       name="limited"))
    service = AIService(retry=RetryPolicy(retries=2, base=0), sleep=lambda s: None)
    with ParallelRun([PaneRequest("echo", "hi"), PaneRequest("limited", "hi")], service=service) as run:
        while not run.finished:
            run.poll(0.05)
    assert run.panes[0].result.ok
    assert run.panes[1].result.status == "error"
    assert "Rate limited" in run.panes[1].result.error_message
    assert registry.get("limited").calls == 3  # first try + 2 retries, then the pane shows the error


def test_leaving_early_cancels_running_panes_and_records_cancelled():
    add_model("stuck-a", provider="stuck-a")
    results = {}
    run = ParallelRun([PaneRequest("stuck-a", "hi")], on_result=lambda i, r: results.setdefault(i, r))
    # The provider waits for the cancel event itself: it only continues once the run was abandoned.
    registry.register(GatedProvider("stuck-a", run.cancel))

    class Interrupt(Exception):
        """Stands in for Streamlit's StopException raised inside the page's drain loop."""

    try:
        with run:
            for event in run.events():
                if text(event):
                    raise Interrupt
    except Interrupt:
        pass
    assert run.cancel.is_set()
    assert results[0].status == "cancelled"
    assert results[0].content == "stuck-a-first "
    [row] = usage_rows()
    assert row.status == "cancelled" and row.output_tokens > 0


def test_unexpected_exception_in_a_worker_still_ends_the_pane():
    class Exploding(AIService):
        def stream(self, *a, **k):
            raise RuntimeError("boom")

    with ParallelRun([PaneRequest("echo", "hi")], service=Exploding()) as run:
        while not run.finished:
            run.poll(0.05)
    assert run.panes[0].result.status == "error"
    assert "boom" in run.panes[0].result.error_message


def test_options_reach_the_service_per_pane():
    with ParallelRun([PaneRequest("echo", "one two three four", {"max_tokens": 3}),
                      PaneRequest("echo", "one two three four", {})]) as run:
        while not run.finished:
            run.poll(0.05)
    short, full = run.panes
    assert short.result.finish_reason == "length" and full.result.finish_reason == "stop"
    assert len(short.text) < len(full.text)


def test_two_slow_models_stream_at_once_through_the_real_sdks(fake_providers):
    """Over real HTTP: each fake model sends 6 chunks 0.3 s apart; both panes show text before either ends."""
    chunks = [f"w{i} " for i in range(6)]
    for model in ("gpt-5.4-mini", "claude-haiku-4-5"):
        fake_providers.script(model, reply="warm")
        list(ai_service.stream(model, "warm up"))  # import the SDKs and open connections first
        fake_providers.script(model, chunks=chunks, delay=0.3)
    order = []
    with ParallelRun([PaneRequest("gpt-5.4-mini", "go"), PaneRequest("claude-haiku-4-5", "go")]) as run:
        order = [(e.pane, text(e)) for e in run.events()]
    first_done = next(i for i, (_, is_text) in enumerate(order) if not is_text)
    assert {pane for pane, is_text in order[:first_done] if is_text} == {0, 1}
    assert [p.text for p in run.panes] == ["".join(chunks)] * 2
    assert [p.result.status for p in run.panes] == ["ok", "ok"]


class FakeClock:
    """Seconds that pass only when a test says so: timings are then exact, however loaded the machine is."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class SlowStartProvider(SDKProvider):
    """An SDK-style provider whose client takes `build_s` to build (as `import openai` and a client do)."""

    def __init__(self, name: str, build_s: float, clock: FakeClock):
        self.name, self.build_s, self.clock = name, build_s, clock
        self.before_warm = lambda: None
        self.built_at: list[float] = []
        self.sent_at: list[float] = []
        super().__init__()

    def _settings(self) -> tuple:
        return ()

    def warm(self) -> None:
        self.before_warm()  # outside the lock every client build takes
        super().warm()

    def _build_client(self, settings):
        self.clock.advance(self.build_s)
        self.built_at.append(self.clock())
        return object()

    def stream(self, request):
        self._client()
        self.sent_at.append(self.clock())
        yield TextDelta("ready")
        yield StreamEnd(Usage(input_tokens=1, output_tokens=1), "stop")

    def chat(self, request):
        raise NotImplementedError


def test_client_start_up_is_outside_the_timings_and_panes_start_together():
    clock = FakeClock()
    slow, fast = SlowStartProvider("cold-slow", 1.0, clock), SlowStartProvider("cold-fast", 0.0, clock)
    for p in (slow, fast):
        add_model(p.name, provider=p.name)
        registry.register(p)
    run = ParallelRun([PaneRequest(p.name, "hi") for p in (slow, fast)], service=AIService(clock=clock))
    # The slow client is built only once the fast pane waits for it: panes that did not wait for each other
    # would never get there (and the test fails instead of passing by luck).
    slow.before_warm = lambda: wait_for(lambda: run._barrier.n_waiting == 1, what="the fast pane to wait")
    with run:
        list(run.events())
    every_client_ready = max(slow.built_at + fast.built_at)
    # Released together: no pane's request left before the slowest client was built.
    assert min(slow.sent_at + fast.sent_at) >= every_client_ready == 1.0
    for pane in run.panes:
        assert pane.result.ok
        # The clock started after the client existed: the second its start-up took is in no timing.
        assert pane.result.ttft_ms < 1000 and pane.result.latency_ms < 1000
    assert [len(p.built_at) for p in (slow, fast)] == [1, 1]  # warmed once, reused by the call


def test_stop_pane_cancels_one_pane_and_the_other_finishes():
    gate = threading.Event()
    add_model("stuck-b", provider="stuck-b")
    registry.register(GatedProvider("stuck-b", gate))
    run = ParallelRun([PaneRequest("stuck-b", "hi"), PaneRequest("echo", "hi there")])
    with run:
        seen = False
        for event in run.events():
            if event.pane == 0 and text(event) and not seen:
                seen = True
                run.stop_pane(0)
                gate.set()  # let the provider go on: the service must refuse its next chunk
    assert run.panes[0].result.status == "cancelled" and run.panes[1].result.status == "ok"
    assert not run.cancel.is_set()


def test_a_retry_is_announced_in_the_pane_state(fake_providers):
    fake_providers.script("gpt-5", reply="after the wait", status=429, retry_after=0.3, fail_times=1)
    run = ParallelRun([PaneRequest("gpt-5", [{"role": "user", "content": "q"}])],
                      service=AIService(retry=RetryPolicy(retries=2)))
    notices = []
    with run:
        for event in run.events():
            if isinstance(event.event, RetryNotice):
                notices.append(run.panes[0].notice)  # what the pane shows while it waits
    assert [(n.attempt, n.attempts, n.wait_seconds, n.reason) for n in notices] == [(2, 3, 0.3, "rate limited")]
    assert run.panes[0].notice is None and run.panes[0].result.content == "after the wait"
    assert [r.status for r in usage_rows()] == ["ok"]


def test_stop_during_a_retry_wait_records_cancelled(fake_providers):
    fake_providers.script("gpt-5", status=503, retry_after=25, fail_times=1)
    run = ParallelRun([PaneRequest("gpt-5", [{"role": "user", "content": "q"}])],
                      service=AIService(retry=RetryPolicy(retries=2, max_wait=30))).start()
    for event in run.events():
        if isinstance(event.event, RetryNotice):
            break
    run.stop(wait=5)  # the 25 s wait ends at once
    run.poll(timeout=1)
    assert run.panes[0].result.status == "cancelled"
    [row] = usage_rows()
    # The only request was refused (503): the provider took nothing, so the stopped call costs nothing.
    assert (row.status, row.input_tokens, row.output_tokens, row.cost_usd) == ("cancelled", 0, 0, None)


def test_stopped_before_it_started_a_run_sends_nothing_and_costs_nothing(fake_providers):
    """The page starts a run once it is drawn; a Stop click before that must not send the prompt."""
    run = ParallelRun([PaneRequest("gpt-5", [{"role": "user", "content": "q"}])])
    run.stop(wait=0)
    run.start().join(10)
    run.poll(timeout=1)
    assert run.panes[0].result.status == "cancelled"
    assert fake_providers.requests_to("chat/completions") == []
    [row] = usage_rows()
    assert (row.status, row.input_tokens, row.cost_usd) == ("cancelled", 0, None)


def test_starting_twice_runs_each_pane_once(fake_providers):
    run = ParallelRun([PaneRequest("gpt-5", [{"role": "user", "content": "q"}])])
    run.start()
    run.start()  # the page calls start on every rerun that re-attaches to the run
    list(run.events())
    assert len(fake_providers.requests_to("chat/completions")) == 1
    assert len(usage_rows()) == 1


class Burst(Provider):
    """Sends its whole answer at once, as a fast server does to a reader that fell behind."""

    def __init__(self, name: str, n: int):
        self.name, self.n = name, n
        self.sent_all = threading.Event()
        self.initialize({})

    def stream(self, request):
        for i in range(self.n):
            yield TextDelta(f"t{i} ")
        self.sent_all.set()
        yield StreamEnd(Usage(input_tokens=3, output_tokens=self.n), "stop")

    def chat(self, request):
        raise NotImplementedError


def test_a_consumer_that_fell_behind_gets_the_text_joined_in_order():
    """What the reader thread read while the page was busy arrives as few joined deltas, never reordered."""
    burst = Burst("burst", 3000)
    registry.register(burst)
    add_model("burst", provider="burst")
    deltas = []
    with ParallelRun([PaneRequest("burst", "hi")]) as run:
        for event in run.events():
            if text(event):
                if not deltas:  # the page is drawing: the reader runs ahead until the provider has sent it all
                    assert burst.sent_all.wait(timeout=20)
                deltas.append(event.event.text)
    assert "".join(deltas) == "".join(f"t{i} " for i in range(3000)) == run.panes[0].result.content
    assert len(deltas) < 100  # one per batch, not one per token


def test_timings_start_when_the_request_goes_out_not_before_the_checks():
    """Budget reservations and provider lookups happen before the clock starts (issue 9, item 8)."""
    clock = FakeClock()
    provider = SlowStartProvider("checked-slowly", 0.0, clock)
    add_model(provider.name, provider=provider.name)
    registry.register(provider)

    class SlowLookup:
        """A registry whose lookup is slow, as a DB-backed endpoint lookup under load can be."""

        def get(self, name, session=None):
            clock.advance(0.8)
            return registry.get(name)

    final = list(AIService(registry=SlowLookup(), clock=clock).stream(provider.name, "hi"))[-1]
    assert final.ok
    assert final.ttft_ms < 800 and final.latency_ms < 800
