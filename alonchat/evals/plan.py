"""Before a run: every cell checked as it will be sent, the number of calls, a cost range from the catalog prices,
and the budgets. Anything wrong is refused here, before a single request.

The range's low end is the prompts alone (answers of no length); its high end adds every answer at its
maximum (the pane's max tokens, else the model's). A run whose low end already passes what is left of a
hard budget is refused; one whose high end could pass it is warned about (the engine's per-call holds stop
it at the limit, and the run can be resumed once the budget allows).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..access import identity
from ..core.errors import AlonChatError, BudgetExceededError, ValidationError
from ..core.pricing import cost_usd
from ..core.tokens import estimate_prompt_tokens, estimate_tokens
from ..core.types import ChatOptions, ChatRequest, Usage
from . import judge as judge_
from .checks import JUDGE
from .inputs import Inputs
from .panes import Pane
from .sets import TestSet

MAX_PANES = 12
MAX_REPEATS = 100
FALLBACK_MAX_OUTPUT = 4096
MAX_PROBLEMS = 8


@dataclass
class PaneEstimate:
    pane: Pane
    provider: str
    low: Decimal | None
    high: Decimal | None


@dataclass
class RunPlan:
    """What a run will send and what it may cost, checked: counts, a range per pane, the judge's share."""

    set: TestSet
    panes: list[Pane]
    prompts: list[int]
    repeats: int
    judge: str | None
    estimates: list[PaneEstimate]
    judge_checks: int = 0  # judge checks per cell (set-level plus the case's own, summed over cases below)
    judge_calls: int = 0
    judge_low: Decimal | None = None
    judge_high: Decimal | None = None
    judge_unpriced: bool = False
    providers: dict[int, str] = field(default_factory=dict)  # pane index -> its provider (its concurrency lane)

    @property
    def cells(self) -> int:
        return len(self.set.cases) * len(self.prompts) * len(self.panes) * self.repeats

    @property
    def unpriced(self) -> list[str]:
        return [e.pane.model for e in self.estimates if e.low is None] + ["the judge"] * self.judge_unpriced

    def _total(self, part: str) -> Decimal | None:
        found = [getattr(e, part) for e in self.estimates if getattr(e, part) is not None]
        judge = self.judge_low if part == "low" else self.judge_high
        if judge is not None:
            found.append(judge)
        return sum(found, Decimal(0)) if found else None

    @property
    def low(self) -> Decimal | None:
        return self._total("low")

    @property
    def high(self) -> Decimal | None:
        return self._total("high")

    def describe(self) -> str:
        """"6,000 calls (1,000 cases × 1 prompt × 2 panes × 3 repeats) + 6,000 judge calls; about $0.12 to $3.40"."""
        n = len(self.set.cases)
        head = (f"{self.cells:,} call{'s' * (self.cells != 1)} ({n:,} case{'s' * (n != 1)} × {len(self.prompts)} prompt"
                f"{'s' * (len(self.prompts) != 1)} × {len(self.panes)} pane{'s' * (len(self.panes) != 1)} × "
                f"{self.repeats} repeat{'s' * (self.repeats != 1)})")
        if self.judge_calls:
            head += f" + {self.judge_calls:,} judge calls"
        return f"{head}; {cost_range(self.low, self.high, self.unpriced)}"


def money(amount: Decimal | None) -> str:
    """Dollars as people read them: "$0" for free, six decimals below a cent, four below a dollar."""
    if amount is None:
        return "unpriced"
    if amount == 0:
        return "$0"
    if abs(amount) < Decimal("0.01"):
        return f"${amount:,.6f}"
    return f"${amount:,.4f}" if abs(amount) < 1 else f"${amount:,.2f}"


def cost_range(low: Decimal | None, high: Decimal | None, unpriced: list[str]) -> str:
    text = "cost unknown" if low is None else f"estimated {money(low)} to {money(high)}"
    if unpriced:
        text += f" (plus unpriced: {', '.join(dict.fromkeys(unpriced))})"
    return text


def judge_models(test_set: TestSet, judge: str | None) -> set[str]:
    """The judge models the set's checks need (a check's own judge, else the run's); promptfoo ids mapped."""
    from .promptfoo import catalog_name

    found = set()
    for check in [*test_set.checks, *(c for case in test_set.cases for c in case.checks)]:
        if check.type != JUDGE:
            continue
        name = check.judge or judge
        if name is None:
            raise ValidationError({"judge": "The set has judge checks (llm-rubric): pick a judge model "
                                            "(--judge MODEL, or the Judge field on the page)."})
        found.add(catalog_name(name, "judge"))
    return found


def make(test_set: TestSet, panes: list[Pane], *, repeats: int = 1, prompts: list[int] | None = None,
         judge: str | None = None, service=None) -> RunPlan:
    """Check every cell as it will be sent and estimate the run; one ValidationError lists what is wrong."""
    from ..calls.service import ai_service, check_context

    service = service or ai_service
    prompts = list(range(len(test_set.prompts))) if prompts is None else list(dict.fromkeys(prompts))
    problems: dict[str, str] = {}
    if not panes:
        problems["panes"] = "Pick at least one pane (a model plus its settings): -m MODEL, or the page's panes."
    if len(panes) > MAX_PANES:
        problems["panes"] = f"At most {MAX_PANES} panes per run."
    seen: dict[str, int] = {}
    for i, p in enumerate(panes):
        if p.key in seen:
            problems[f"pane {i + 1}"] = (f"Pane {i + 1} ({p.label}) is the same as pane {seen[p.key] + 1}: give it "
                                         "other settings, or use repeats.")
        seen.setdefault(p.key, i)
    if not 1 <= repeats <= MAX_REPEATS:
        problems["repeats"] = f"Repeats must be from 1 to {MAX_REPEATS}."
    bad = [i for i in prompts if not 0 <= i < len(test_set.prompts)]
    if bad or not prompts:
        problems["prompts"] = f"The set has {len(test_set.prompts)} prompt variant(s); pick from 1 to " \
                              f"{len(test_set.prompts)}."
    if problems:
        raise ValidationError(problems)
    if judge is not None:
        from .promptfoo import catalog_name

        judge = catalog_name(judge, "judge")
    judges = judge_models(test_set, judge)
    specs = _check_models([p.model for p in panes] + sorted(judges), service, problems)
    if problems:
        raise ValidationError(problems)
    inputs = Inputs(test_set)
    estimates, providers = [], {}
    max_out: dict[int, int] = {}
    for i, pane in enumerate(panes):
        spec = specs[pane.model]
        providers[i] = spec.provider
        low = high = Decimal(0)
        priced = True
        rule = getattr(_provider(service, spec.provider), "estimate_rule", "openai")
        checked: dict[int, ChatOptions] = {}  # prompt variant -> the options as validated once for this pane
        for case_idx in range(len(test_set.cases)):
            for prompt_idx in prompts:
                try:
                    messages, options = inputs.request(case_idx, prompt_idx, pane)
                    if prompt_idx not in checked or messages[0].get("attachments"):
                        # The whole check, as ai_service makes it before a call: once per variant, and for
                        # every case with files (what a model accepts depends on them).
                        _, request = service.prepare(pane.model, messages, **options)
                        checked.setdefault(prompt_idx, request.options)
                    else:
                        # The same options with this case's text: only the context window can differ.
                        request = ChatRequest(spec.model_id, messages, replace(
                            checked[prompt_idx], system=options.get("system")))
                        check_context(spec, request)
                except ValidationError as e:
                    _note(problems, f"case {case_idx + 1}", f"Case {case_idx + 1}, pane {i + 1} ({pane.label}): "
                          + "; ".join(e.errors.values()))
                    continue
                tokens = estimate_prompt_tokens(request, rule)
                most = request.options.max_tokens or spec.max_tokens or (
                    max(spec.context_window - tokens, 1) if spec.context_window else FALLBACK_MAX_OUTPUT)
                max_out[i] = max(max_out.get(i, 0), most)
                a = cost_usd(Usage(input_tokens=tokens, estimated=True), spec.prices)
                b = cost_usd(Usage(input_tokens=tokens, output_tokens=most, estimated=True), spec.prices)
                if a is None or b is None:
                    priced = False
                else:
                    low, high = low + a, high + b
            if len(problems) >= MAX_PROBLEMS:
                break
        estimates.append(PaneEstimate(pane, spec.provider, low * repeats if priced else None,
                                      high * repeats if priced else None))
    if problems:
        raise ValidationError(problems)
    plan = RunPlan(test_set, list(panes), prompts, repeats, judge, estimates, providers=providers)
    _judge_estimate(plan, inputs, specs, max_out)
    return plan


def _note(problems: dict, key: str, message: str) -> None:
    if len(problems) < MAX_PROBLEMS and key not in problems:
        problems[key] = message


def _provider(service, name: str):
    try:
        return service.registry.get(name)
    except AlonChatError:
        return None


def _check_models(names: list[str], service, problems: dict) -> dict:
    """Each model in the catalog, active, and its provider configured (its key set): else named, nothing sent."""
    from ..catalog import models as catalog

    specs = {}
    for name in dict.fromkeys(names):
        try:
            spec = catalog.resolve(name)
        except AlonChatError as e:
            problems[name] = str(e)
            continue
        specs[name] = spec
        provider = _provider(service, spec.provider)
        if provider is None:
            problems[name] = f"{name}: its provider {spec.provider!r} is not registered."
            continue
        missing = provider.missing_env_vars()
        if missing:
            problems[name] = (f"{name}: provider {spec.provider!r} is not configured; set {' or '.join(missing)} "
                              "(nothing was sent).")
    return specs


def _judge_estimate(plan: RunPlan, inputs: Inputs, specs: dict, max_out: dict[int, int]) -> None:
    """Judge calls: one per judge check per cell; input is rubric + question + answer (none to the longest)."""
    low = high = Decimal(0)
    priced = True
    calls = 0
    for case_idx, case in enumerate(plan.set.cases):
        judged = [c for c in [*plan.set.checks, *case.checks] if c.type == JUDGE]
        if not judged:
            continue
        for check in judged:
            name = _judge_name(check, plan.judge)
            spec = specs[name]
            for prompt_idx in plan.prompts:
                base = estimate_tokens(judge_.SYSTEM) + estimate_tokens(str(check.value)) + estimate_tokens(
                    inputs.question(case_idx, prompt_idx)) + 40
                for pane_idx in range(len(plan.panes)):
                    calls += plan.repeats
                    a = cost_usd(Usage(input_tokens=base, estimated=True), spec.prices)
                    b = cost_usd(Usage(input_tokens=base + max_out.get(pane_idx, 0), output_tokens=judge_.MAX_TOKENS,
                                       estimated=True), spec.prices)
                    if a is None or b is None:
                        priced = False
                    else:
                        low, high = low + a * plan.repeats, high + b * plan.repeats
    plan.judge_calls = calls
    if calls and priced:
        plan.judge_low, plan.judge_high = low, high
    elif calls:
        plan.judge_unpriced = True


def _judge_name(check, judge: str | None) -> str:
    from .promptfoo import catalog_name

    return catalog_name(check.judge or judge, "judge")


def budget_gate(plan: RunPlan, user: str | None = None) -> str | None:
    """Refuse a run whose cheapest outcome passes what is left of a hard budget; warn when its dearest might."""
    from ..usage import budgets

    user = user or identity.current_user()
    check = budgets.check(user)
    if check.level == "hard":
        raise BudgetExceededError(check.message + " Nothing was sent.")
    low, high = plan.low, plan.high
    warning = None
    for b in check.budgets:
        left = b.monthly_usd - b.spent_usd
        who = budgets.scope_label(b.scope)
        if low is not None and low > left:
            raise BudgetExceededError(
                f"This run would cost at least {money(low)} (its prompts alone, estimated) and only {money(left)} "
                f"is left of the {money(b.monthly_usd)} monthly budget of {who}. Nothing was sent: run fewer cases, "
                f"panes or repeats, pick cheaper models, or raise the budget (`{budgets.fix_command(b.scope)}`).")
        if high is not None and high > left:
            warning = (f"This run could cost up to {money(high)} if every answer ran to its maximum length, more than "
                       f"the {money(left)} left of the monthly budget of {who}: calls past the budget are refused "
                       "and the run stops there (resume it once the budget allows). Setting Max tokens narrows this.")
    return warning
