"""ChatOptions checks its values however it is built: through `of`, directly, or by `dataclasses.replace`."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from pydantic import ValidationError

from alonchat.core.types import ChatOptions


@pytest.mark.parametrize("bad", [{"temperature": 5}, {"max_tokens": 0}, {"reasoning_effort": "huge"},
                                 {"stop": ["a", "b", "c", "d", "e"]}, {"reasoning_budget": 4000, "max_tokens": 2000}])
def test_options_built_directly_are_checked_like_options_from_outside(bad):
    with pytest.raises(ValidationError) as direct:
        ChatOptions(**bad)
    with pytest.raises(ValidationError) as outside:
        ChatOptions.of(bad)
    assert [e["loc"] for e in direct.value.errors()] == [e["loc"] for e in outside.value.errors()]


def test_replace_checks_the_new_value_and_keeps_the_rest():
    base = ChatOptions(temperature=0.5, stop=["END"])
    changed = dataclasses.replace(base, max_tokens=10)
    assert (changed.temperature, changed.max_tokens, changed.stop) == (0.5, 10, ["END"])
    with pytest.raises(ValidationError):
        dataclasses.replace(base, top_p=3)


def test_an_empty_stop_list_means_none_set():
    assert ChatOptions(stop=[]).stop is None


def test_default_options_load_no_pydantic():
    code = "import sys; from alonchat.core.types import ChatOptions; ChatOptions(); print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
