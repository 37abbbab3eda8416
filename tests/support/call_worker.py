"""A separate process that makes calls on the test database: `python -m tests.support.call_worker N THREADS USER`.

It registers the same ScriptedProvider the tests use (output 5 tokens after a short pause), makes N
calls to the model "metered" spread over THREADS threads, and prints {"ok": n, "refused": n, "error": n}.
ALONCHAT_DATABASE_URL names the database, as for the app.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import StreamEnd, Usage
from alonchat.providers.registry import registry
from tests.support.scripted import ScriptedProvider

STEPS = [("sleep", 0.01), "ok", StreamEnd(Usage(input_tokens=1, output_tokens=5), "stop")]


def main(calls: int, threads: int, user: str) -> None:
    registry.register(ScriptedProvider([STEPS]))
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    todo = iter(range(calls))

    def work() -> None:
        while True:
            with lock:
                if next(todo, None) is None:
                    return
            try:
                status = ai_service.chat("metered", "go", user=user).status
            except errors.AlonChatError as e:
                status = e.status
            with lock:
                counts[status] += 1

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(json.dumps(dict(counts)))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
