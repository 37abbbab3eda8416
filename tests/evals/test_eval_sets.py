"""Test sets: templates in Jinja2's sandbox, versions in the database, CSV/JSONL in and out unchanged, files, access."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from alonchat.access import identity, teams
from alonchat.core import errors
from alonchat.evals import cases_io, sets
from alonchat.evals.checks import from_expected
from alonchat.evals.inputs import Inputs
from alonchat.evals.panes import Pane
from alonchat.evals.sets import Case, SetDraft
from alonchat.evals.templates import Prompt
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import EvalSet
from tests.support import media

ADMIN = identity.Actor("root@example.com", True, signed_in=True)
ANA = identity.Actor("ana@example.com", False, signed_in=True)
BEN = identity.Actor("ben@example.com", False, signed_in=True)
CY = identity.Actor("cy@other.org", False, signed_in=True)


def draft(name="greet", user="Say hello to {{name}} in {{language}}.", cases=None, **kw) -> SetDraft:
    cases = cases if cases is not None else [Case(vars={"name": "Ana", "language": "French"})]
    return SetDraft(name, [Prompt(user=user, **kw)], cases)


def stored_sets() -> int:
    with get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(EvalSet.__table__)).scalar()


def test_a_missing_variable_names_the_case_and_the_variable_and_nothing_is_saved():
    cases = [Case(vars={"name": "Ana", "language": "French"}), Case(vars={"name": "Bo"})]
    with pytest.raises(errors.ValidationError) as e:
        sets.save(draft(cases=cases))
    message = str(e.value)
    assert "Case 2" in message and "{{language}}" in message and "its variables: name" in message
    assert stored_sets() == 0


def test_template_syntax_errors_and_sandbox_escapes_are_refused_before_saving():
    with pytest.raises(errors.ValidationError, match=r"Prompt 1 \(user part\), line 1"):
        sets.save(draft(user="Hello {{ name "))
    with pytest.raises(errors.ValidationError, match="not allowed in a template"):
        sets.save(draft(user="{{ name.__class__.__mro__ }}"))
    assert stored_sets() == 0


def test_promptfoos_load_filter_and_the_system_part_render_into_what_is_sent():
    test_set = sets.save(SetDraft("styled", [Prompt(system="Tone: {{ (style | load).tone }}", user="Greet {{name}}")],
                                  [Case(vars={"name": "Ana", "style": '{"tone": "warm"}'})]))
    messages, options = Inputs(test_set).request(0, 0, Pane("echo", {"temperature": 0.2}))
    assert messages == [{"role": "user", "content": "Greet Ana"}]
    assert options == {"temperature": 0.2, "system": "Tone: warm"}
    with pytest.raises(errors.ValidationError, match="load filter got text that is not JSON"):
        sets.save(SetDraft("bad", [Prompt(user="{{ (style | load).tone }}")], [Case(vars={"style": "warm"})]))


def test_saving_the_same_content_keeps_the_version_and_a_change_adds_one():
    first = sets.save(draft())
    again = sets.save(draft())
    changed = sets.save(draft(user="Greet {{name}} in {{language}}."))
    assert (first.version, again.id, changed.version) == (1, first.id, 2)
    assert sets.get("greet").version == 2 and sets.get("greet@1").prompts[0].user.startswith("Say hello")
    assert [s.version for s in sets.versions("greet")] == [2, 1]
    assert [(s.name, s.version, s.versions) for s in sets.list_sets()] == [("greet", 2, 2)]


CSV = ('question,city,__expected,__expected2,__description\n'
       'What is the capital?,"Paris, France",icontains:paris,not-contains:sorry,capital\n'
       '"Say ""hi""\nplease",Lyon,is-json,,quoted and multi-line\n')


def test_a_csv_imported_then_exported_is_unchanged():
    columns, cases = cases_io.read_csv(CSV.encode())
    assert [c.vars["city"] for c in cases] == ["Paris, France", "Lyon"]
    assert [[k.name for k in c.checks] for c in cases] == [["icontains", "not-contains"], ["is-json"]]
    saved = sets.save(SetDraft("csv", [Prompt(user="{{question}} {{city}}")], cases, columns=columns, source="csv"))
    assert cases_io.write_csv(saved.columns, saved.cases) == CSV


def test_formula_text_is_quoted_on_export_and_read_back_on_import():
    columns, cases = cases_io.read_csv(b"q,__expected\n=1+1,contains:2\n")
    assert cases[0].vars["q"] == "=1+1"
    exported = cases_io.write_csv(columns, cases)
    assert exported == "q,__expected\n'=1+1,contains:2\n"
    assert cases_io.read_csv(exported.encode())[1][0].vars == {"q": "=1+1"}


def test_a_jsonl_of_promptfoo_tests_round_trips_and_flat_rows_read_like_csv():
    lines = [{"vars": {"q": "2+2", "n": 4}, "assert": [{"type": "equals", "value": "4"},
                                                       {"type": "llm-rubric", "value": "Mentions four"}],
              "description": "sum"},
             {"vars": {"q": "3+3", "n": 6}, "assert": [{"type": "cost", "threshold": 0.001}], "metadata": {"k": 1}}]
    text = "\n".join(json.dumps(x) for x in lines) + "\n"
    columns, cases = cases_io.read_jsonl(text)
    assert columns == ["q", "n"] and cases[0].vars["n"] == 4
    assert [json.loads(x) for x in cases_io.write_jsonl(cases).splitlines()] == lines
    _, flat = cases_io.read_jsonl('{"q": "hi", "__expected": "icontains:hello"}\n')
    assert flat[0].vars == {"q": "hi"} and flat[0].checks[0].value == "hello"


@pytest.mark.parametrize(("data", "message"), [
    (b"q,__weird\nx,y\n", "'__weird' is not supported"),
    (b"q,q\nx,y\n", "appears twice"),
    (b"my question\nx\n", "not a variable name"),
    (b"q,__expected\nx,javascript:1\n", "Row 1, __expected: the check type 'javascript' is not supported"),
    ("q\nx\n".encode("utf-16"), "not UTF-8"),
])
def test_a_bad_table_is_one_clear_message(data, message):
    with pytest.raises(errors.ValidationError, match=message):
        cases_io.read_csv(data)


def test_an_image_variable_is_attached_and_a_text_file_is_read_into_the_prompt(tmp_path):
    (tmp_path / "cat.png").write_bytes(media.image())
    (tmp_path / "notes.txt").write_text("Cats sleep a lot.")
    (tmp_path / "cases.csv").write_text("photo,notes\nfile://cat.png,file://notes.txt\n")
    columns, cases = cases_io.read_csv((tmp_path / "cases.csv").read_bytes())
    files = cases_io.read_files(cases, tmp_path)
    saved = sets.save(SetDraft("pics", [Prompt(user="Describe {{photo}}. Context: {{notes}}")], cases,
                               columns=columns, files=files))
    messages, _ = Inputs(saved).request(0, 0, Pane("echo"))
    assert messages[0]["content"] == "Describe cat.png. Context: Cats sleep a lot."
    [attachment] = messages[0]["attachments"]
    assert (attachment.name, attachment.media_type, attachment.data) == ("cat.png", "image/png", media.image())
    missing = [Case(vars={"photo": "file://dog.png"})]
    with pytest.raises(errors.ValidationError, match="Case 1 names file://dog.png, which cannot be read"):
        cases_io.read_files(missing, tmp_path)


def test_members_see_their_own_and_their_teams_sets_and_admins_see_all(monkeypatch):
    with identity.acting_as(ADMIN):
        teams.assign("ana@example.com", "blue")
        teams.assign("ben@example.com", "blue")
    for who, name in ((ANA, "ana-set"), (BEN, "ben-set"), (CY, "cy-set")):
        with identity.acting_as(who):
            sets.save(draft(name=name))
    with identity.acting_as(ANA):
        assert {s.name for s in sets.list_sets()} == {"ana-set", "ben-set"}
        with pytest.raises(errors.ValidationError, match="No test set 'cy-set'"):
            sets.get("cy-set")
    with identity.acting_as(CY):
        assert {s.name for s in sets.list_sets()} == {"cy-set"}
        with pytest.raises(errors.PermissionDeniedError, match="belongs to ana@example.com"):
            sets.save(draft(name="ana-set", user="mine now {{name}} {{language}}"))
    with identity.acting_as(ADMIN):
        assert {s.name for s in sets.list_sets()} == {"ana-set", "ben-set", "cy-set"}


def test_checks_for_every_case_and_a_cases_own_are_kept_with_the_version():
    saved = sets.save(SetDraft("both", [Prompt(user="Q {{q}}")], [Case(vars={"q": "1"}, checks=[
        from_expected("contains:1")])], checks=[from_expected("not-icontains:sorry")]))
    again = sets.get(saved.id)
    assert [c.name for c in again.checks] == ["not-icontains"]
    assert again.cases[0].checks[0].as_expected() == "contains:1"
