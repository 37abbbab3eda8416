"""Every interruption of a real CLI process leaves exactly one `cancelled` row and no budget held, and it exits at once
(130), however many times Ctrl+C is pressed and whenever."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from sqlalchemy import select

from alonchat.storage.engine import session
from alonchat.storage.tables import BudgetReservation
from alonchat.usage import budgets
from tests.support.cli_process import start, wait_for
from tests.support.provider_checks import ledger

LONG = [f"word{i} " for i in range(400)]  # 400 chunks, 0.1 s apart: still streaming when we interrupt


def streaming(fake, model="gpt-5") -> None:
    fake.script(model, chunks=LONG, delay=0.1)


def first_text(proc: subprocess.Popen) -> bytes:
    return proc.stdout.read(5)  # blocks until the stream has begun


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_streaming_records_one_cancelled_row_and_exits(fake_providers, sig, code):
    streaming(fake_providers)
    proc = start("chat", "-m", "gpt-5", "tell me a long story")
    assert first_text(proc) == b"word0"
    proc.send_signal(sig)
    assert proc.wait(timeout=15) == code
    assert b"Traceback" not in proc.stderr.read()
    [row] = ledger()
    assert row.status == "cancelled" and row.model_name == "gpt-5"
    # What was sent and shown is billed, as an estimate.
    assert row.usage_estimated and row.input_tokens > 0 and row.output_tokens >= 1


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_provider_is_silent_stops_the_call(fake_providers, sig, code):
    fake_providers.script("gpt-5", silent=60)  # takes the request, then says nothing for a minute
    proc = start("chat", "-m", "gpt-5", "hello?")
    wait_for(lambda: fake_providers.requests_to("chat/completions"), what="the request")
    proc.send_signal(sig)
    assert proc.wait(timeout=15) == code  # long before the server would answer
    [row] = ledger()
    assert row.status == "cancelled" and row.usage_estimated and row.input_tokens > 0


def test_ctrl_c_while_several_models_run_cancels_each_once(fake_providers):
    fake_providers.script("gpt-5", silent=60)
    streaming(fake_providers, "claude-sonnet-4-6")
    proc = start("chat", "-m", "gpt-5", "-m", "claude-sonnet-4-6", "--json", "q")
    wait_for(lambda: fake_providers.requests_to("chat/completions") and fake_providers.requests_to("/v1/messages"),
             what="both requests")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 130
    rows = ledger()
    assert sorted((r.model_name, r.status) for r in rows) == [("claude-sonnet-4-6", "cancelled"),
                                                             ("gpt-5", "cancelled")]


def test_a_closed_pipe_records_cancelled(fake_providers):
    streaming(fake_providers)
    proc = start("chat", "-m", "gpt-5", "q")
    assert first_text(proc) == b"word0"
    proc.stdout.close()  # like `alonchat chat ... | head -c 5`
    assert proc.wait(timeout=15) == 141
    [row] = ledger()
    assert row.status == "cancelled"


# --- Ctrl+C pressed again and again (issue 21): one row, no budget held, exit 130, whenever the presses come ----

PRESSES = [(2, 0.0), (2, 0.05), (2, 0.3), (3, 0.0), (3, 0.02), (3, 0.15)]


def budgeted() -> None:
    """A monthly budget for everyone, so each priced call holds its ceiling until its row is written."""
    budgets.set_budget("100")


def held() -> list:
    with session() as s:
        return list(s.scalars(select(BudgetReservation)))


def press(proc: subprocess.Popen, times: int, gap: float) -> None:
    """Ctrl+C `times` times, `gap` seconds apart (the spacing is what is varied, not a wait for anything)."""
    for i in range(times):
        if i:
            time.sleep(gap)
        proc.send_signal(signal.SIGINT)


def ended_cleanly(proc: subprocess.Popen, code: int = 130) -> None:
    assert proc.wait(timeout=20) == code
    err = proc.stderr.read()
    assert b"Traceback" not in err and b"unexpected" not in err and b"unlocked lock" not in err, err.decode()


@pytest.mark.parametrize("times, gap", PRESSES)
def test_ctrl_c_again_and_again_while_streaming(fake_providers, times, gap):
    budgeted()
    streaming(fake_providers)
    proc = start("chat", "-m", "gpt-5", "tell me a long story")
    assert first_text(proc) == b"word0"
    press(proc, times, gap)
    ended_cleanly(proc)
    [row] = ledger()
    assert row.status == "cancelled" and row.usage_estimated and row.output_tokens >= 1
    assert held() == []


@pytest.mark.parametrize("times, gap", PRESSES[::2])
def test_ctrl_c_again_and_again_while_the_provider_is_silent(fake_providers, times, gap):
    budgeted()
    fake_providers.script("gpt-5", silent=60)
    proc = start("chat", "-m", "gpt-5", "hello?")
    wait_for(lambda: fake_providers.requests_to("chat/completions"), what="the request")
    press(proc, times, gap)
    ended_cleanly(proc)
    [row] = ledger()
    assert row.status == "cancelled" and held() == []


@pytest.mark.parametrize("times, gap", PRESSES[1::2])
def test_ctrl_c_again_and_again_while_several_models_run(fake_providers, times, gap):
    budgeted()
    fake_providers.script("gpt-5", silent=60)
    streaming(fake_providers, "claude-sonnet-4-6")
    proc = start("chat", "-m", "gpt-5", "-m", "claude-sonnet-4-6", "--json", "q")
    wait_for(lambda: fake_providers.requests_to("chat/completions") and fake_providers.requests_to("/v1/messages"),
             what="both requests")
    press(proc, times, gap)
    ended_cleanly(proc)
    assert sorted((r.model_name, r.status) for r in ledger()) == [("claude-sonnet-4-6", "cancelled"),
                                                                  ("gpt-5", "cancelled")]
    assert held() == []


def test_sigterm_then_ctrl_c_ends_as_terminated(fake_providers):
    budgeted()
    streaming(fake_providers)
    proc = start("chat", "-m", "gpt-5", "tell me a long story")
    assert first_text(proc) == b"word0"
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.1)  # apart: signals that arrive together are taken in number order (SIGINT first)
    press(proc, 2, 0.0)
    ended_cleanly(proc, 143)
    [row] = ledger()
    assert row.status == "cancelled" and held() == []
