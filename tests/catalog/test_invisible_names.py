"""Names that look alike must be alike: invisible and text-direction characters are refused everywhere a name enters."""

from __future__ import annotations

import pytest

from alonchat.catalog import endpoints
from alonchat.catalog import io as catalog_io
from alonchat.catalog import models as catalog
from alonchat.cli import main
from alonchat.core.errors import ValidationError
from tests.support.catalog import GOOD, snapshot

SNEAKY = ["\u200b", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u2060", "\u00ad",
          "\u3164"]


@pytest.mark.parametrize("char", SNEAKY, ids=[f"U+{ord(c):04X}" for c in SNEAKY])
@pytest.mark.parametrize("field", ["name", "model_id", "provider"])
def test_catalog_refuses_invisible_characters_in_names_and_ids(field, char):
    before = snapshot()
    value = {"name": "gpt-4.1-mini", "model_id": "echo-1", "provider": "echo"}[field]
    with pytest.raises(ValidationError) as info:
        catalog.create_model({**GOOD, field: value + char})
    assert f"U+{ord(char):04X}" in info.value.errors[field] and "invisible" in info.value.errors[field]
    assert snapshot() == before


def test_a_lookalike_beside_the_real_name_is_refused_on_update_and_import():
    catalog.create_model({**GOOD, "name": "gpt-4.1-mini-x"})
    with pytest.raises(ValidationError, match="U\\+200B"):
        catalog.update_model("gpt-4.1-mini-x", {"model_id": "gpt-4.1-mini\u200b"})
    plan = catalog_io.plan_import("name,provider,model_id\ngpt-4.1-mini\u200b,echo,echo-1\n", "csv")
    assert not plan.ok and "U+200B" in " ".join(plan.errors.values())


def test_display_names_keep_their_text_but_lose_invisibles():
    spec = catalog.create_model({**GOOD, "display_name": "GPT\u200b 4.1 \u202eMini\u202c"})
    assert spec.display_name == "GPT 4.1 Mini"
    assert catalog.create_model({**GOOD, "name": "ünïcode-名前", "display_name": "Модель 1"}).display_name \
        == "Модель 1"  # any language is fine


@pytest.mark.parametrize("name", ["groq\u200b", "\u202egroq", "gr\ufeffoq"])
def test_endpoint_names_refuse_invisible_characters(name):
    before = [e.name for e in endpoints.list_endpoints()]
    with pytest.raises(ValidationError):
        endpoints.create_endpoint({"name": name, "base_url": "http://localhost:11434/v1"})
    assert [e.name for e in endpoints.list_endpoints()] == before


def test_cli_add_with_an_invisible_character_exits_2(capsys):
    before = snapshot()
    assert main(["models", "add", "--name", "gpt-4.1-mini\u200b", "--provider", "echo", "--model-id", "e"]) == 2
    err = capsys.readouterr().err
    assert "U+200B" in err and len(err.strip().splitlines()) == 1
    assert snapshot() == before
