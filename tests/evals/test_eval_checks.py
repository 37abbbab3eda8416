"""Checks grade answers as promptfoo's assertions do; what is not supported is named, never taken for a pass."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alonchat.evals import checks, judge, results
from alonchat.evals.checks import CheckError, from_assertion, from_expected, grade_limit, grade_text, overall


@pytest.mark.parametrize(("expected", "output", "passes"), [
    ("icontains:bonjour", "BONJOUR le monde", True),
    ("icontains:bonjour", "Hello world", False),
    ("contains:Paris", "paris is lovely", False),
    ("contains:Paris", "I love Paris", True),
    ("not-contains:sorry", "Sure, here it is", True),
    ("not-contains:sorry", "I'm sorry, no", False),
    ("not-icontains:sorry", "SORRY", False),
    ("equals:42", "42", True),
    ("equals:42", "42\n", False),
    ("Paris", "Paris", True),  # plain text is an equals check
    ("Paris", "Paris.", False),
    ("starts-with:Yes", "Yes, indeed", True),
    ("starts-with:Yes", "No. Yes", False),
    ("regex:^\\d{3}-\\d{4}$", "555-1234", True),
    ("regex:^\\d{3}-\\d{4}$", "call 555-1234", False),
    ("not-regex:\\bnope\\b", "yes yes", True),
    ("is-json", '{"a": 1}', True),
    ("is-json", "{'a': 1}", False),
    ("not-is-json", "plain words", True),
    ("contains-any:cat,dog", "a hot dog", True),
    ("contains-any:cat,dog", "a bird", False),
    ("contains-all:cat,dog", "cat and dog", True),
    ("contains-all:cat,dog", "cat alone", False),
    ("icontains-all:Cat,DOG", "cat and dog", True),
    ("icontains-any:CAT,bird", "no", False),
])
def test_expected_cells_grade_as_promptfoo_reads_them(expected, output, passes):
    verdict = grade_text(from_expected(expected), output)
    assert verdict.passed is passes, verdict.reason
    assert verdict.reason  # every verdict says why


def test_json_schema_checks_say_where_the_answer_breaks_the_schema():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    check = from_assertion({"type": "is-json", "value": schema})
    assert grade_text(check, '{"n": 3}').passed is True
    bad = grade_text(check, '{"n": "three"}')
    assert bad.passed is False and "at n" in bad.reason and "integer" in bad.reason
    assert grade_text(check, "n=3").passed is False
    with pytest.raises(CheckError, match="schema"):
        from_assertion({"type": "is-json", "value": {"type": "nonsense-type"}})


def test_equals_with_an_object_compares_the_answer_as_json():
    check = from_assertion({"type": "equals", "value": {"a": [1, 2]}})
    assert grade_text(check, '{ "a" : [1, 2] }').passed is True
    assert grade_text(check, '{"a": [2, 1]}').passed is False


@pytest.mark.parametrize("text", ["javascript:output.length > 3", "python:len(output) > 3", "similar:hello",
                                  "contains-json:{}", "levenshtein:hi"])
def test_promptfoo_checks_that_cannot_be_graded_here_are_named_not_skipped(text):
    with pytest.raises(CheckError) as e:
        from_expected(text)
    assert repr(text.split(":")[0]) in str(e.value) and "not supported" in str(e.value)


def test_assertion_objects_map_onto_checks_and_unknown_ones_are_named():
    cost = from_assertion({"type": "cost", "threshold": 0.002})
    assert (cost.type, cost.value) == ("max-cost", 0.002)
    rubric = from_assertion({"type": "llm-rubric", "value": "Is polite", "provider": "openai:gpt-4.1",
                             "threshold": 0.7})
    assert (rubric.type, rubric.judge, rubric.threshold) == ("judge", "openai:gpt-4.1", 0.7)
    assert rubric.as_assertion() == {"type": "llm-rubric", "value": "Is polite", "provider": "openai:gpt-4.1",
                                     "threshold": 0.7}
    with pytest.raises(CheckError, match="'factuality' is not supported"):
        from_assertion({"type": "factuality", "value": "x"})
    with pytest.raises(CheckError, match="transform is not supported"):
        from_assertion({"type": "contains", "value": "x", "transform": "output.trim()"})
    with pytest.raises(CheckError, match="only text checks can be negated"):
        from_assertion({"type": "not-cost", "threshold": 1})
    with pytest.raises(CheckError, match="does not compile"):
        from_expected("regex:([a-z")


def test_limits_grade_the_call_and_an_unpriced_call_cannot_pass_a_cost_limit():
    cost = checks.make("max-cost", 0.01)
    assert grade_limit(cost, Decimal("0.005"), 100, 50).passed is True
    assert grade_limit(cost, Decimal("0.02"), 100, 50).passed is False
    unpriced = grade_limit(cost, None, 100, 50)
    assert unpriced.passed is None and "unpriced" in unpriced.reason
    assert grade_limit(checks.make("max-ttft", 40), None, 100, 41).passed is False
    assert grade_limit(checks.make("max-latency", 100), None, 100, 41).passed is True


def test_a_cell_passes_only_when_every_check_passes_and_an_ungraded_check_leaves_it_open():
    ok, no, unknown = (checks.Verdict(checks.make("is-json"), v, "") for v in (True, False, None))
    assert overall([ok, ok]) is True
    assert overall([ok, no, unknown]) is False
    assert overall([ok, unknown]) is None
    assert overall([]) is None


def test_the_judges_reply_is_read_strictly_and_a_non_verdict_is_not_a_pass():
    assert judge.parse('{"pass": true, "score": 0.8, "reason": "good"}') == (True, 0.8, "good")
    assert judge.parse('Sure! ```json\n{"pass": "fail", "score": 3, "reason": "bad"}\n```') == (False, 1.0, "bad")
    assert judge.parse('{"score": 0.3}')[0] is False
    passed, score, why = judge.parse("I think it is fine.")
    assert passed is None and score is None and "not a verdict" in why


def test_wilson_intervals_and_the_cost_pass_rate_front():
    lo, hi = results.wilson(5, 10)
    assert round(lo, 4) == 0.2366 and round(hi, 4) == 0.7634
    assert results.wilson(0, 10)[0] == 0.0 and results.wilson(10, 10)[1] == 1.0
    assert results.wilson(0, 0) is None
    # (cost, pass rate): 0 is cheap and good, 1 dearer and worse (dominated), 2 dearest and best, 3 unknown
    assert results.pareto([(1.0, 0.8), (2.0, 0.7), (3.0, 0.9), (None, 1.0)]) == {0, 2}
    assert results.percentile([1, 2, 3, 4], 0.5) == 2.5 and results.percentile([], 0.5) is None
