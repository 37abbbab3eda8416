"""What each cell sends: its case rendered into its prompt variant, with the case's files, and its pane's options."""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..core.types import Attachment
from .panes import Pane
from .sets import TestSet, file_bytes
from .templates import Rendered, compile_prompt, render

RENDERED_KEPT = 512  # renders kept for the panes and repeats that send the same case next (bounded memory)
BYTES_KEPT = 64 * 2**20  # file bytes kept in memory at most


class Inputs:
    """Renders cells for one set version: templates compiled once, renders and file bytes kept a while (bounded)."""

    def __init__(self, test_set: TestSet):
        self.set = test_set
        self.compiled = [compile_prompt(p, i) for i, p in enumerate(test_set.prompts)]
        self._renders: OrderedDict[tuple[int, int], Rendered] = OrderedDict()
        self._bytes: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def rendered(self, case_idx: int, prompt_idx: int) -> Rendered:
        key = (case_idx, prompt_idx)
        with self._lock:
            found = self._renders.get(key)
            if found is not None:
                self._renders.move_to_end(key)
                return found
        found = render(self.compiled[prompt_idx], self.set.cases[case_idx].vars, self.set.files, case_idx + 1)
        with self._lock:
            self._renders[key] = found
            while len(self._renders) > RENDERED_KEPT:
                self._renders.popitem(last=False)
        return found

    def _data(self, sha256: str) -> bytes:
        with self._lock:
            data = self._bytes.get(sha256)
        if data is None:
            data = self.set.blobs.get(sha256) or file_bytes(sha256)
            with self._lock:
                self._bytes[sha256] = data
                while sum(map(len, self._bytes.values())) > BYTES_KEPT and len(self._bytes) > 1:
                    self._bytes.popitem(last=False)
        return data

    def request(self, case_idx: int, prompt_idx: int, pane: Pane) -> tuple[list[dict], dict]:
        """(messages, options) for one call: the set's system part, when it has one, is the system prompt."""
        r = self.rendered(case_idx, prompt_idx)
        message: dict = {"role": "user", "content": r.user}
        if r.attachments:
            message["attachments"] = [Attachment(f.name, f.media_type, self._data(f.sha256)) for f in r.attachments]
        options = dict(pane.options)
        if r.system:
            options["system"] = r.system
        return [message], options

    def question(self, case_idx: int, prompt_idx: int) -> str:
        """The prompt as the judge reads it (system part, then user part; files by name)."""
        r = self.rendered(case_idx, prompt_idx)
        files = "".join(f"\n[attached: {f.name}]" for f in r.attachments)
        return (f"{r.system}\n\n" if r.system else "") + r.user + files
