"""The test set editor: pick or start a set, its prompt variants and checks, its cases in a table, files, import and
export; saving changed content makes a new version (runs always point at a saved one)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pydantic
import streamlit as st

from alonchat.core.errors import AlonChatError, ValidationError
from alonchat.evals import cases_io, checks, promptfoo, sets
from alonchat.evals.sets import SetDraft, TestSet
from alonchat.evals.templates import Prompt
from ui import auth
from ui.evaluate import state

NEW = "+ New set"
PICK = "ev_set_pick"
PENDING = "ev_pending_load"  # a set id (or 0 for a new set) to load before the widgets are drawn
NAME, DESCRIPTION, CHECKS, CASES = "ev_name", "ev_description", "ev_checks", "ev_cases"
UPLOAD_FILES, UPLOAD_IMPORT = "ev_files", "ev_import"
ADD_VAR = "ev_add_var"
FILE_TYPES = ["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "md", "json"]
STARTER = {"question": "What is the capital of France?", "__expected": "icontains:paris"}


def prompt_key(part: str, i: int) -> str:
    return f"ev_prompt_{part}_{i}"


def _draft() -> dict:
    return st.session_state[state.DRAFT]


def load(test_set: TestSet | None = None, *, imported: SetDraft | None = None) -> None:
    """Make `test_set` (or an imported draft, or a new set) the one being edited; widgets take its values."""
    ss = st.session_state
    source = imported if imported is not None else test_set.draft() if test_set is not None else None
    if source is None:
        source = SetDraft("", [Prompt(user="Answer briefly: {{question}}")], [], columns=list(STARTER))
        columns, rows = list(STARTER), [dict(STARTER)]
    else:
        columns, rows = cases_io.cases_to_rows(source.columns, source.cases)
    old = ss.get(state.DRAFT) or {}
    for i in range(old.get("prompts", 0)):
        for part in ("label", "system", "user"):
            ss.pop(prompt_key(part, i), None)
    stored = test_set if imported is None else None
    checks_text = "\n".join(c.as_expected() for c in source.checks)
    ss[state.DRAFT] = {"set_id": stored.id if stored else None,
                       "meta": {"name": stored.name, "ref": stored.ref, "version": stored.version,
                                "cases": len(stored.cases), "owner": stored.owner} if stored else None,
                       # what the widgets showed when loaded: any difference is an unsaved change
                       "snapshot": (source.name, source.description, checks_text,
                                    [(p.label, p.system, p.user) for p in source.prompts]),
                       "prompts": len(source.prompts), "columns": columns,
                       "base": pd.DataFrame(rows, columns=columns, dtype=object).fillna(""),
                       "files": dict(source.files), "source": source.source, "changed": imported is not None}
    for i, p in enumerate(source.prompts):
        ss[prompt_key("label", i)], ss[prompt_key("system", i)], ss[prompt_key("user", i)] = p.label, p.system, p.user
    ss[NAME], ss[DESCRIPTION] = source.name, source.description
    ss[CHECKS] = checks_text
    ss.pop(CASES, None)  # the table's edits belong to the set it showed


def _pick() -> None:
    name = st.session_state.get(PICK)
    st.session_state[PENDING] = 0 if name in (None, NEW) else sets.get(name).id


def edited_rows() -> pd.DataFrame:
    """The table as edited so far: the base rows with the editor's changes, additions and deletions applied."""
    d = _draft()
    base = d["base"].copy()
    delta = st.session_state.get(CASES) or {}
    for idx, changes in (delta.get("edited_rows") or {}).items():
        for col, value in changes.items():
            base.at[int(idx), col] = "" if value is None else value
    added = [{c: ("" if r.get(c) is None else r.get(c)) for c in base.columns} for r in delta.get("added_rows") or []]
    if added:
        base = pd.concat([base, pd.DataFrame(added, columns=base.columns, dtype=object)], ignore_index=True)
    dropped = [int(i) for i in delta.get("deleted_rows") or []]
    if dropped:
        base = base.drop(index=dropped).reset_index(drop=True)
    return base


def _commit_edits() -> None:
    """Fold the editor's changes into the base rows (before the columns change, which resets the editor)."""
    d = _draft()
    d["base"] = edited_rows()
    d["changed"] = d["changed"] or bool(st.session_state.get(CASES))
    st.session_state.pop(CASES, None)


def _add_variable() -> None:
    name = (st.session_state.get(ADD_VAR) or "").strip()
    d = _draft()
    try:
        cases_io.check_columns([*d["columns"], name])
    except ValidationError as e:
        state.notice("error", "; ".join(e.errors.values()))
        return
    _commit_edits()
    d["columns"].insert(sum(not c.startswith("__") for c in d["columns"]), name)
    d["base"][name] = ""
    d["base"] = d["base"][d["columns"]]
    d["changed"] = True
    st.session_state[ADD_VAR] = ""


def _add_prompt() -> None:
    d = _draft()
    i = d["prompts"]
    st.session_state[prompt_key("label", i)] = f"variant {i + 1}"
    st.session_state[prompt_key("system", i)] = st.session_state.get(prompt_key("system", i - 1), "")
    st.session_state[prompt_key("user", i)] = st.session_state.get(prompt_key("user", i - 1), "")
    d["prompts"] += 1
    d["changed"] = True


def _remove_prompt(i: int) -> None:
    d = _draft()
    ss = st.session_state
    for j in range(i, d["prompts"] - 1):
        for part in ("label", "system", "user"):
            ss[prompt_key(part, j)] = ss.get(prompt_key(part, j + 1), "")
    for part in ("label", "system", "user"):
        ss.pop(prompt_key(part, d["prompts"] - 1), None)
    d["prompts"] -= 1
    d["changed"] = True


def _add_files() -> None:
    d = _draft()
    problems = []
    for f in st.session_state.get(UPLOAD_FILES) or []:
        try:
            item = cases_io.file_data(f.name, f.getvalue())
            d["files"][item.ref] = item
            d["changed"] = True
        except ValidationError as e:
            problems += list(e.errors.values())
    if problems:
        state.notice("error", "; ".join(problems))


def _remove_file(ref: str) -> None:
    _draft()["files"].pop(ref, None)
    _draft()["changed"] = True


def _config_name(path: Path) -> str:
    """An uploaded config's set name: its file's name, or for promptfooconfig.yaml its description (the folder it
    came from is not uploaded); the Name field changes it before saving."""
    if path.stem not in ("promptfooconfig", "config"):
        return path.stem
    import yaml

    try:
        described = (yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}).get("description")
    except Exception:  # the import itself says what is wrong with the file
        described = None
    return (str(described).replace("@", " ").strip()[:200] if described else "") or "promptfoo"


def _import() -> None:
    """Cases (.csv, .jsonl, .json) or a promptfoo config (.yaml, with the files it names) into the editor."""
    uploads = list(st.session_state.get(UPLOAD_IMPORT) or [])
    if not uploads:
        state.notice("warning", "Choose the file(s) to import first.")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for f in uploads:
            (folder / Path(f.name).name).write_bytes(f.getvalue())
        configs = [f.name for f in uploads if f.name.lower().endswith((".yaml", ".yml"))]
        tables = [f.name for f in uploads if f.name.lower().endswith((".csv", ".jsonl", ".ndjson", ".json"))]
        try:
            if configs:
                found = promptfoo.load(folder / configs[0], name=_config_name(folder / configs[0]))
                load(imported=found.draft)
                carried = [{"model": p.model, "options": p.options} for p in found.panes]
                if carried:
                    state.carry(carried)
                if found.judge:
                    st.session_state["ev_judge"] = found.judge
                state.notice("success", f"Imported the promptfoo config {configs[0]}: {len(found.draft.prompts)} "
                                        f"prompt(s), {len(found.draft.cases)} case(s), {len(found.panes)} pane(s). "
                                        "Check it below, then run it.")
                return
            if not tables:
                state.notice("error", "Import a .csv, .jsonl or .json of cases, or a promptfoo config (.yaml).")
                return
            columns, cases = cases_io.read((folder / tables[0]).read_bytes(), tables[0])
            files = cases_io.read_files(cases, folder)
        except ValidationError as e:
            state.notice("error", "Nothing was imported: " + "; ".join(e.errors.values()))
            return
    d = _draft()
    d["columns"], d["files"] = columns, {**d["files"], **files}
    d["base"] = pd.DataFrame(cases_io.cases_to_rows(columns, cases)[1], columns=columns, dtype=object).fillna("")
    d["source"], d["changed"] = Path(tables[0]).suffix.lstrip(".").lower(), True
    st.session_state.pop(CASES, None)
    state.notice("success", f"Imported {len(cases):,} case(s) from {tables[0]}; save to keep them as a version.")


def export_cases(set_id: int, fmt: str) -> str:
    saved = sets.get(set_id)
    return cases_io.write_csv(saved.columns, saved.cases) if fmt == "csv" else cases_io.write_jsonl(saved.cases)


# --- reading the editor ------------------------------------------------------------------------------------------


def current(rows: pd.DataFrame) -> SetDraft:
    """The editor's content as a draft; what cannot be read is one ValidationError."""
    d = _draft()
    ss = st.session_state
    problems: dict[str, str] = {}
    prompts = []
    for i in range(d["prompts"]):
        try:
            prompts.append(Prompt(label=ss.get(prompt_key("label", i)) or "",
                                  system=ss.get(prompt_key("system", i)) or "",
                                  user=ss.get(prompt_key("user", i)) or ""))
        except pydantic.ValidationError:
            problems[f"prompt {i + 1}"] = f"Prompt {i + 1}: write its user part (the text it sends)."
    found = []
    for n, line in enumerate((ss.get(CHECKS) or "").splitlines(), 1):
        if line.strip():
            try:
                found.append(checks.from_expected(line.strip()))
            except checks.CheckError as e:
                problems[f"check {n}"] = f"Checks for every case, line {n}: {e}."
    columns = list(rows.columns)
    records = [{c: ("" if r.get(c) is None else r.get(c)) for c in columns} for r in rows.to_dict("records")]
    records = [r for r in records if any(str(v).strip() for v in r.values())]
    try:
        cases = cases_io.rows_to_cases(columns, records)
    except ValidationError as e:
        problems.update(e.errors)
        cases = []
    if problems:
        raise ValidationError(problems)
    return SetDraft((ss.get(NAME) or "").strip(), prompts, cases, found, ss.get(DESCRIPTION) or "", columns,
                    dict(d["files"]), d["source"] or "manual")


def dirty() -> bool:
    """Whether the editor differs from the saved version it shows."""
    d = _draft()
    edits = st.session_state.get(CASES) or {}
    if d["set_id"] is None or d["changed"] or any(edits.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        return True
    ss = st.session_state
    now = (ss.get(NAME), ss.get(DESCRIPTION), ss.get(CHECKS),
           [(ss.get(prompt_key("label", i)), ss.get(prompt_key("system", i)), ss.get(prompt_key("user", i)))
            for i in range(d["prompts"])])
    return now != d["snapshot"]


def save(rows: pd.DataFrame) -> TestSet:
    """The editor's content as the set's next version (the same version when nothing changed)."""
    d = _draft()
    if not dirty():
        return sets.get(d["set_id"])
    saved = sets.save(current(rows))
    st.session_state[PENDING] = saved.id
    return saved


# --- drawing ------------------------------------------------------------------------------------------------------


def render() -> pd.DataFrame:
    """Draw the editor; returns the cases table as edited (for saving before a run)."""
    ss = st.session_state
    pending = ss.pop(PENDING, None)
    if pending is not None or state.DRAFT not in ss:
        load(sets.get(pending) if pending else None)
    d = _draft()
    names = [NEW] + [s.name for s in sets.list_sets()]
    if pending is not None or ss.get(PICK) not in names:
        ss[PICK] = d["meta"]["name"] if d["meta"] else NEW

    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.selectbox("Test set", names, key=PICK, on_change=_pick, width=320,
                     help="A named, versioned set of prompts and cases. Saving changes adds a version.")
        meta = d["meta"]
        if meta:
            st.markdown(f":blue-badge[version {meta['version']}] :gray-badge[{meta['cases']:,} cases] "
                        f":gray-badge[by {meta['owner']}]")
        with st.popover("Import", icon=":material/upload:"):
            st.caption("Cases as **CSV** or **JSONL** (promptfoo's columns: variables, `__expected`, "
                       "`__description`), or a **promptfoo config** (`.yaml`) with the files it names.")
            st.file_uploader("Files", accept_multiple_files=True, key=UPLOAD_IMPORT,
                             type=["csv", "jsonl", "ndjson", "json", "yaml", "yml", "txt", *FILE_TYPES])
            st.button("Import", on_click=_import, key="ev_import_go", type="primary")
        if meta:
            set_id, stem = d["set_id"], f"{meta['name']}-v{meta['version']}"
            with st.popover("Export", icon=":material/download:"):
                auth.download_button(st, "Cases as CSV", lambda: export_cases(set_id, "csv"),
                                     file_name=f"{stem}.csv", mime="text/csv", key="ev_export_csv",
                                     icon=":material/table:")
                auth.download_button(st, "Cases as JSONL", lambda: export_cases(set_id, "jsonl"),
                                     file_name=f"{stem}.jsonl", mime="application/jsonl", key="ev_export_jsonl",
                                     icon=":material/data_object:")

    left, right = st.columns([2, 3])
    left.text_input("Name", key=NAME, placeholder="e.g. support-answers", max_chars=200)
    right.text_input("Description", key=DESCRIPTION, placeholder="What this set checks")

    st.markdown("**Prompts** · `{{variable}}` reads a column; several variants are each sent to every pane.")
    for i in range(d["prompts"]):
        with st.container(border=True, key=f"ev_prompt_box_{i}"):
            head = st.container(horizontal=True, vertical_alignment="center")
            head.text_input("Label", key=prompt_key("label", i), placeholder=f"prompt {i + 1}",
                            label_visibility="collapsed", width=260)
            if d["prompts"] > 1:
                head.button("", icon=":material/close:", key=f"ev_prompt_rm_{i}", on_click=_remove_prompt,
                            args=(i,), help="Remove this variant", type="tertiary")
            s, u = st.columns([2, 3])
            s.text_area("System part (optional)", key=prompt_key("system", i), height=100,
                        placeholder="e.g. You are a concise assistant.")
            u.text_area("User part", key=prompt_key("user", i), height=100,
                        placeholder="e.g. Translate to {{language}}: {{text}}")
    st.button("Add a prompt variant", icon=":material/add:", key="ev_prompt_add", on_click=_add_prompt,
              type="tertiary", disabled=d["prompts"] >= sets.MAX_PROMPTS)

    st.text_area("Checks for every case (one per line)", key=CHECKS, height=68,
                 placeholder="e.g. not-icontains:sorry  ·  max-cost:0.01  ·  llm-rubric:Answers politely",
                 help="The __expected syntax: icontains:x, contains-any:a,b, starts-with:x, regex:..., is-json, "
                      "not-... negates, max-cost:USD, max-latency:ms, max-ttft:ms, llm-rubric:RUBRIC (a judge).")

    n = len(d["base"])
    st.markdown(f"**Cases** · {n:,} row{'s' * (n != 1)} · columns are variables; `__expected` holds one check per "
                "row (`icontains:bonjour`, `equals:42`, `llm-rubric:…`).")
    config = {c: st.column_config.TextColumn(c, help="A check, as in promptfoo's __expected" if
                                              c.startswith("__expected") else None) for c in d["columns"]}
    rows = st.data_editor(d["base"], key=CASES, num_rows="dynamic", width="stretch", column_config=config,
                          hide_index=False, height=min(420, 38 + 35 * (len(d["base"]) + 1)))
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.text_input("Add a variable (column)", key=ADD_VAR, placeholder="e.g. language", width=240)
        st.button("Add column", key="ev_add_var_go", on_click=_add_variable, icon=":material/view_column:")
        with st.popover(f"Files ({len(d['files'])})", icon=":material/attach_file:"):
            st.caption("Images and PDFs are attached to the prompt of a case whose variable is `file://NAME`; "
                       "text files are read into it.")
            st.file_uploader("Add files", type=FILE_TYPES, accept_multiple_files=True, key=UPLOAD_FILES,
                             on_change=_add_files)
            for ref, f in d["files"].items():
                c1, c2 = st.columns([5, 1])
                c1.markdown(f"`{ref}` · {f.media_type} · {len(f.data):,} bytes")
                c2.button("", icon=":material/delete:", key=f"ev_file_rm_{ref}", on_click=_remove_file,
                          args=(ref,), type="tertiary", help="Remove this file")
    return rows


def save_button(rows: pd.DataFrame) -> None:
    if st.button("Save version", icon=":material/save:", key="ev_save"):
        try:
            was = _draft()["set_id"]
            saved = save(rows)
            state.notice("success", f"Saved **{saved.ref}**." if saved.id != was else f"No changes: **{saved.ref}**.")
            st.rerun()
        except AlonChatError as e:
            st.error("Not saved: " + ("; ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e)),
                     icon=":material/error:")
