"""promptfoo configs: prompts (inline, files split by ---), providers mapped onto the catalog, CSV tests, defaultTest;
what is not supported is named in one line each, and nothing is saved."""

from __future__ import annotations

import textwrap

import pytest

from alonchat.core import errors
from alonchat.evals import promptfoo, sets
from alonchat.storage.engine import ROOT

EXAMPLE = ROOT / "examples" / "promptfoo-translate" / "promptfooconfig.yaml"


def write(folder, config: str, **files) -> object:
    (folder / "promptfooconfig.yaml").write_text(textwrap.dedent(config))
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(textwrap.dedent(text))
    return folder / "promptfooconfig.yaml"


def test_the_example_config_reads_as_promptfoo_would():
    imported = promptfoo.load(EXAMPLE)
    d = imported.draft
    assert d.name == "promptfoo-translate" and d.description == "Translate short phrases"
    assert [p.label for p in d.prompts] == ["prompts 1", "prompts 2"]
    assert d.prompts[0].user.startswith("Translate the following text to {{language}}")
    assert d.prompts[1].user.startswith("You are a professional translator")
    assert [(p.model, p.options) for p in imported.panes] == [("gpt-4.1-mini", {}),
                                                             ("claude-haiku-4-5", {"max_tokens": 200})]
    assert [c.vars["language"] for c in d.cases] == ["French", "Spanish", "German", "Italian"]
    assert [c.checks[0].as_expected() for c in d.cases][:2] == ["icontains:bonjour", "icontains:buenos días"]
    assert [c.name for c in d.checks] == ["not-icontains", "max-cost"]
    assert d.columns == ["language", "text", "__expected"]
    saved = sets.save(d)
    assert saved.source == "promptfoo" and len(saved.cases) == 4


def test_inline_prompts_tests_vars_lists_default_vars_and_the_judge(tmp_path):
    path = write(tmp_path, """
        prompts:
          - "Answer briefly: {{question}} ({{tone}})"
          - '[{"role": "system", "content": "Be {{tone}}."}, {"role": "user", "content": "{{question}}"}]'
        providers: [echo, "openai:chat:gpt-5"]
        defaultTest:
          vars: {tone: kind}
          options: {provider: "google:gemini-2.5-flash"}
          assert:
            - {type: llm-rubric, value: Mentions Paris}
        tests:
          - vars: {question: ["Capital of France?", "Largest French city?"]}
            assert: [{type: icontains, value: paris}]
          - description: override
            vars: {question: Hi, tone: curt}
        """)
    imported = promptfoo.load(path)
    d = imported.draft
    assert d.prompts[1].system == "Be {{tone}}." and d.prompts[1].user == "{{question}}"
    assert [p.model for p in imported.panes] == ["echo", "gpt-5"]
    assert imported.judge == "gemini-2.5-flash"
    assert [c.vars for c in d.cases] == [{"tone": "kind", "question": "Capital of France?"},
                                         {"tone": "kind", "question": "Largest French city?"},
                                         {"tone": "curt", "question": "Hi"}]
    assert d.cases[2].description == "override" and d.checks[0].type == "judge"


def test_unsupported_assertions_providers_and_keys_are_each_named_in_one_line(tmp_path):
    path = write(tmp_path, """
        prompts: [file://prompts.txt]
        providers: ["ollama:llama3", "openai:gpt-9-turbo", {id: "openai:gpt-5", config: {response_format: json}}]
        scenarios: []
        tests:
          - vars: {q: one}
            assert: [{type: javascript, value: "output.length > 1"}]
          - vars: {q: two}
            assert: [{type: similar, value: hi, threshold: 0.8}]
        """, prompts__txt="Q: {{q}}\n")
    with pytest.raises(errors.ValidationError) as e:
        promptfoo.load(path)
    lines = str(e.value).split("; ")
    expected = ["scenarios: not supported", "ollama:llama3: this provider is not supported",
                "openai:gpt-9-turbo: no active openai model 'gpt-9-turbo' in the catalog",
                "config.response_format is not supported", "'javascript' is not supported",
                "'similar' is not supported"]
    for text in expected:
        assert sum(text in line for line in lines) == 1, (text, lines)
    assert sets.list_sets() == []  # nothing was saved


def test_a_prompt_file_splits_on_dashes_and_tests_come_from_csv_beside_the_config(tmp_path):
    path = write(tmp_path, """
        prompts: [file://p.txt]
        providers: [echo]
        tests: file://t.csv
        """, p__txt="One {{x}}\n---\nTwo {{x}}\n", t__csv="x,__expected\na,contains:a\nb,\n")
    d = promptfoo.load(path, name="mine").draft
    assert d.name == "mine" and [p.user for p in d.prompts] == ["One {{x}}", "Two {{x}}"]
    assert [len(c.checks) for c in d.cases] == [1, 0]


def test_a_config_that_is_not_yaml_or_misses_its_files_says_so(tmp_path):
    bad = tmp_path / "promptfooconfig.yaml"
    bad.write_text("prompts: [unclosed\n")
    with pytest.raises(errors.ValidationError, match="not valid YAML at line"):
        promptfoo.load(bad)
    path = write(tmp_path, "prompts: [file://nope.txt]\nproviders: [echo]\ntests: file://none.csv\n")
    with pytest.raises(errors.ValidationError) as e:
        promptfoo.load(path)
    assert "nope.txt" in str(e.value) and "none.csv" in str(e.value)
