"""ai_service.compare (the API, not the CLI) in a real process: Ctrl+C stops every call at once, each recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from alonchat.storage.engine import ROOT
from tests.support.cli_process import interruptible, wait_for
from tests.support.provider_checks import ledger

SCRIPT = """
import sys, time
from alonchat.calls.service import ai_service
try:
    ai_service.compare(["gpt-5", "claude-sonnet-4-6"], "q", **({"on_delta": lambda i, t: None}
                                                             if sys.argv[1] == "stream" else {}))
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.parametrize("mode", ["stream", "chat"])
def test_ctrl_c_during_compare_cancels_each_call_at_once(fake_providers, mode):
    fake_providers.script("gpt-5", silent=60)  # takes the request, then says nothing for a minute
    fake_providers.script("claude-sonnet-4-6", chunks=[f"w{i} " for i in range(600)], delay=0.1)
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            preexec_fn=interruptible)
    wait_for(lambda: fake_providers.requests_to("chat/completions") and fake_providers.requests_to("/v1/messages"),
             what="both requests")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)  # the calls had a minute to go: only a stopped compare ends sooner
    assert out.decode().strip() == "interrupted", err.decode()
    rows = ledger()
    assert sorted((r.model_name, r.status) for r in rows) == [("claude-sonnet-4-6", "cancelled"),
                                                             ("gpt-5", "cancelled")]
