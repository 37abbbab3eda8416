"""AIService.quote: what a pane shows before Send, from one lookup (accepted or why not, the estimate, the rate)."""

from __future__ import annotations

from decimal import Decimal

from alonchat.calls.inputs import PER_WORDS
from alonchat.calls.service import AIService, ai_service
from alonchat.providers.registry import registry
from tests.support import media
from tests.support.scripted import add_model


def test_a_quote_prices_the_prompt_and_each_hundred_more_words_as_estimates_do():
    add_model("pricey", provider="echo", input_price=Decimal("2"), output_price=Decimal("8"))
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"}]
    quote = ai_service.quote("pricey", history + [{"role": "user", "content": "·"}])
    assert quote.ok and quote.problem is None
    before = ai_service.estimate("pricey", history + [{"role": "user", "content": "·"}])
    words = ai_service.estimate("pricey", history + [{"role": "user", "content": "word " * PER_WORDS}])
    assert quote.input_usd == before > 0
    assert quote.per_words_usd == words - before > 0


def test_an_unpriced_model_is_quoted_unpriced_never_zero():
    add_model("mystery", provider="echo")
    quote = ai_service.quote("mystery", "hi")
    assert quote.ok and quote.input_usd is None and quote.per_words_usd is None


def test_a_refused_request_says_why_and_an_input_the_model_cannot_take_is_marked():
    add_model("blind", provider="echo")  # no vision, no PDFs
    image = [{"role": "user", "content": "look", "attachments": [media.attachment()]}]
    quote = ai_service.quote("blind", image)
    assert not quote.ok and quote.unsupported and "blind does not accept images" in quote.problem
    too_many = ai_service.quote("echo", "hi", max_tokens=10**5)
    assert not too_many.ok and not too_many.unsupported and "max tokens" in too_many.problem
    gone = ai_service.quote("no-such-model", "hi")
    assert not gone.ok and "Unknown model" in gone.problem


def test_a_quote_looks_the_model_and_its_provider_up_once():
    lookups = []

    class Counting:
        def get(self, name, session=None):
            lookups.append(name)
            return registry.get(name, session)

    assert AIService(registry=Counting()).quote("echo", "hi").ok
    assert lookups == ["echo"]


def test_a_quote_says_how_much_of_the_context_window_the_request_fills():
    from alonchat.core.tokens import estimate_prompt_tokens

    add_model("windowed", provider="echo")  # a 100,000-token window
    short = ai_service.quote("windowed", "hi")
    history = [{"role": "user", "content": "word " * 2000}, {"role": "assistant", "content": "ok"},
               {"role": "user", "content": "hi"}]
    longer = ai_service.quote("windowed", history, system="Be brief.")
    _, request = ai_service.prepare("windowed", history, system="Be brief.")
    assert longer.tokens == estimate_prompt_tokens(request) > short.tokens > 0
    assert longer.window == 100_000 and longer.window_used == longer.tokens / 100_000
    assert ai_service.quote("no-such-model", "hi").tokens is None  # refused: no count


def test_a_send_is_refused_by_the_count_its_quote_shows_files_by_the_vendors_rule_and_the_output_asked(
        fake_providers):
    """The playground's gauge shows the quote's count: the engine refuses a send by that same count (an image by
    Anthropic's rule on an Anthropic model, not OpenAI's), plus the max tokens the quote carries."""
    from sqlalchemy import update

    from alonchat.core.tokens import estimate_attachment_tokens, estimate_prompt_tokens
    from alonchat.core.types import Attachment
    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel

    add_model("seeing", provider="anthropic")
    photo = media.attachment(data=media.image(1500, 1500))
    by = {rule: estimate_attachment_tokens(Attachment(**photo), rule) for rule in ("anthropic", "openai")}
    assert by["anthropic"] != by["openai"]  # the rules differ for this image
    turn = [{"role": "user", "content": "look", "attachments": [photo]}]
    with session() as s, s.begin():
        s.execute(update(AIModel).where(AIModel.name == "seeing").values(supports_vision=True, context_window=10**6))
    quote = ai_service.quote("seeing", turn, max_tokens=100)
    _, request = ai_service.prepare("seeing", turn, max_tokens=100)
    assert quote.tokens == estimate_prompt_tokens(request, "anthropic") and quote.max_tokens == 100
    # A window that holds exactly the quote's count and the output asked: sent; one token less: refused.
    for window, ok in ((quote.tokens + 100, True), (quote.tokens + 99, False)):
        with session() as s, s.begin():
            s.execute(update(AIModel).where(AIModel.name == "seeing").values(context_window=window))
        again = AIService().quote("seeing", turn, max_tokens=100)
        assert again.ok is ok, again.problem
        if not ok:
            assert "context window" in again.problem
