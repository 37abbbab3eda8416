"""Test sets: named, versioned prompt variants and cases in the database; saving changed content adds a version.

A member sees and edits the sets they own and their team's; an admin sees every set. Runs point at one
version, so a set edited later never changes what an earlier run sent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, insert, or_, select

from ..access import identity
from ..core.errors import PermissionDeniedError, ValidationError
from ..core.text import no_control_chars
from ..storage import blobs
from ..storage.engine import get_engine
from ..storage.tables import EvalCase, EvalFile, EvalRun, EvalSet
from .checks import Check
from .templates import FileInfo, Prompt, compile_prompt, render

MAX_CASES = 100_000
MAX_PROMPTS = 10
_SETS, _CASES, _FILES = EvalSet.__table__, EvalCase.__table__, EvalFile.__table__


class Case(BaseModel):
    """One row of a set: its variables, its own checks, tags and description; `extra` keeps other fields as read."""

    model_config = ConfigDict(extra="forbid")

    vars: dict[str, Any] = Field(default_factory=dict)
    checks: list[Check] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    description: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)

    def stored(self) -> dict:
        return self.model_dump(mode="json", exclude_defaults=True)


@dataclass(frozen=True)
class FileData:
    """A file a case variable names, with its bytes (an import or an upload)."""

    ref: str
    name: str
    media_type: str
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return blobs.digest(self.data)

    def info(self) -> FileInfo:
        text = self.data.decode("utf-8") if self.media_type.startswith("text/") else None
        return FileInfo(self.ref, self.name, self.media_type, self.sha256, text)


@dataclass
class SetDraft:
    """What is saved as a new version: prompt variants, cases, checks for every case, and the files cases name."""

    name: str
    prompts: list[Prompt]
    cases: list[Case]
    checks: list[Check] = field(default_factory=list)
    description: str = ""
    columns: list[str] = field(default_factory=list)  # the table's columns as imported, kept for export
    files: dict[str, FileData] = field(default_factory=dict)
    source: str = "manual"


@dataclass
class TestSet:
    """One stored version of a set."""

    id: int
    name: str
    version: int
    description: str
    prompts: list[Prompt]
    checks: list[Check]
    columns: list[str]
    cases: list[Case]
    files: dict[str, FileInfo]
    owner: str
    team: str
    created_at: datetime
    source: str
    digest: str
    blobs: dict[str, bytes] = field(default_factory=dict, repr=False)  # bytes of files not stored yet (a preview)

    __test__ = False  # not a pytest class, despite its name

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def variables(self) -> list[str]:
        """The variable names, in the table's order (then any a case adds)."""
        names = [c for c in self.columns if not c.startswith("__")]
        for case in self.cases:
            names += [k for k in case.vars if k not in names]
        return names

    def draft(self) -> SetDraft:
        """This version as a draft to edit and save again (files with their bytes)."""
        files = {ref: FileData(ref, f.name, f.media_type, file_bytes(f.sha256)) for ref, f in self.files.items()}
        return SetDraft(self.name, list(self.prompts), [c.model_copy(deep=True) for c in self.cases],
                        list(self.checks), self.description, list(self.columns), files, self.source)


@dataclass(frozen=True)
class SetSummary:
    id: int
    name: str
    version: int
    description: str
    case_count: int
    prompt_count: int
    owner: str
    team: str
    created_at: datetime
    versions: int
    runs: int


# --- who sees what --------------------------------------------------------------------------------------------


def visible(table, who: identity.Actor | None = None, owner_col: str = "owner"):
    """The rows `who` may see: all for an admin; else their own and their team's."""
    from ..access.teams import team_of

    who = who or identity.actor()
    if who.is_admin:
        return True
    team = team_of(who.email)
    mine = table.c[owner_col] == who.email
    return or_(mine, and_(table.c.team == team, table.c.team != "")) if team else mine


def _may_see(owner: str, team: str, who: identity.Actor | None = None) -> bool:
    from ..access.teams import team_of

    who = who or identity.actor()
    return who.is_admin or owner == who.email or (bool(team) and team == team_of(who.email))


# --- validation and saving ------------------------------------------------------------------------------------


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": "Give the set a name of 1 to 200 characters."})
    if "@" in name:
        raise ValidationError({"name": f"{name!r}: a set name cannot contain @ (name@3 means version 3)."})
    try:
        no_control_chars(name)
    except ValueError as e:
        raise ValidationError({"name": f"The set name {e}"}) from None
    return name


def validate(draft: SetDraft, *, limit: int = 5) -> None:
    """Every prompt compiles and renders for every case: a missing variable is refused here, before any run."""
    problems: dict[str, str] = {}
    if not draft.prompts:
        problems["prompts"] = "Give at least one prompt (its user part, with {{variables}})."
    if len(draft.prompts) > MAX_PROMPTS:
        problems["prompts"] = f"At most {MAX_PROMPTS} prompt variants per set."
    if not draft.cases:
        problems["cases"] = "Add at least one case (a row of variables)."
    if len(draft.cases) > MAX_CASES:
        problems["cases"] = f"At most {MAX_CASES:,} cases per set."
    if problems:
        raise ValidationError(problems)
    compiled = [compile_prompt(p, i) for i, p in enumerate(draft.prompts)]
    files = {ref: f.info() for ref, f in draft.files.items()}
    for i, case in enumerate(draft.cases):
        for ref in (v for v in case.vars.values() if isinstance(v, str) and v.startswith("file://")):
            if ref not in files:
                problems[f"case {i + 1}"] = (f"Case {i + 1} names {ref}, which is not among the set's files; "
                                             "upload it or fix the path.")
        for c in compiled:
            try:
                render(c, case.vars, files, i + 1)
            except ValidationError as e:
                problems.update(e.errors)
        if len(problems) >= limit:
            break
    if problems:
        raise ValidationError(problems)


def digest(draft: SetDraft) -> str:
    """The content's fingerprint: the same content saved twice is the same version."""
    content = {"description": draft.description, "prompts": [p.model_dump() for p in draft.prompts],
               "checks": [c.model_dump(exclude_defaults=True) for c in draft.checks], "columns": draft.columns,
               "cases": [c.stored() for c in draft.cases],
               "files": sorted((ref, f.name, f.media_type, f.sha256) for ref, f in draft.files.items())}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def save(draft: SetDraft) -> TestSet:
    """Store the draft as the set's next version (or return the latest one when nothing changed)."""
    from ..access.teams import team_of

    who = identity.actor()
    name = _name(draft.name)
    draft.name = name
    validate(draft)
    fingerprint = digest(draft)
    engine = get_engine()
    with engine.begin() as conn:
        latest = conn.execute(select(_SETS.c.id, _SETS.c.version, _SETS.c.digest, _SETS.c.owner, _SETS.c.team)
                              .where(_SETS.c.name == name).order_by(_SETS.c.version.desc()).limit(1)).first()
        if latest is not None:
            if not _may_see(latest.owner, latest.team, who):
                raise PermissionDeniedError(f"The set {name!r} belongs to {latest.owner}; pick another name.")
            if latest.digest == fingerprint:
                return get(latest.id)
        version = (latest.version + 1) if latest is not None else 1
        set_id = conn.execute(insert(_SETS).values(
            name=name, version=version, description=draft.description or "", owner=who.email,
            team=team_of(who.email), prompts=json.dumps([p.model_dump() for p in draft.prompts]),
            checks=json.dumps([c.model_dump(exclude_defaults=True) for c in draft.checks]),
            columns=json.dumps(draft.columns), case_count=len(draft.cases), digest=fingerprint,
            source=draft.source)).inserted_primary_key[0]
        rows = [{"set_id": set_id, "idx": i, "data": json.dumps(c.stored(), ensure_ascii=False)}
                for i, c in enumerate(draft.cases)]
        for start in range(0, len(rows), 1000):
            conn.execute(insert(_CASES), rows[start:start + 1000])
        for ref, f in draft.files.items():
            conn.execute(insert(_FILES).values(set_id=set_id, ref=ref, name=f.name, media_type=f.media_type,
                                               sha256=blobs.put(conn, f.data)))
    return get(set_id)


# --- reading --------------------------------------------------------------------------------------------------


def preview(draft: SetDraft) -> TestSet:
    """The draft as an unsaved version (id 0), checked like a saved one: for estimates before saving."""
    validate(draft)
    files = {ref: f.info() for ref, f in draft.files.items()}
    return TestSet(0, draft.name, 0, draft.description, list(draft.prompts), list(draft.checks), list(draft.columns),
                   list(draft.cases), files, identity.current_user(), "", datetime.now(UTC), draft.source,
                   digest(draft), {f.sha256: f.data for f in draft.files.values()})


def parse_ref(ref: str) -> tuple[str, int | None]:
    """"name" or "name@3" (a version)."""
    name, sep, version = ref.rpartition("@")
    if sep and version.isdigit():
        return name, int(version)
    return ref, None


def get(ref: int | str, version: int | None = None) -> TestSet:
    """A set version by id, or by name (its latest version, or `version`; "name@3" works too)."""
    engine = get_engine()
    with engine.connect() as conn:
        if isinstance(ref, int):
            row = conn.execute(select(_SETS).where(_SETS.c.id == ref)).first()
            shown = f"#{ref}"
        else:
            name, at = parse_ref(ref)
            version = version if version is not None else at
            stmt = select(_SETS).where(_SETS.c.name == name)
            stmt = stmt.where(_SETS.c.version == version) if version is not None else stmt
            row = conn.execute(stmt.order_by(_SETS.c.version.desc()).limit(1)).first()
            shown = repr(name) + (f" version {version}" if version is not None else "")
        if row is None or not _may_see(row.owner, row.team):
            raise ValidationError({"set": f"No test set {shown} that you can see. `alonchat eval set list` "
                                          "lists them (a promptfoo config is a path to a .yaml file)."})
        cases = [Case(**json.loads(d)) for d in conn.execute(
            select(_CASES.c.data).where(_CASES.c.set_id == row.id).order_by(_CASES.c.idx)).scalars()]
        files = {}
        for f in conn.execute(select(_FILES.c.ref, _FILES.c.name, _FILES.c.media_type, _FILES.c.sha256)
                              .where(_FILES.c.set_id == row.id)):
            text = None
            if f.media_type.startswith("text/"):
                text = file_bytes(f.sha256, conn).decode("utf-8")
            files[f.ref] = FileInfo(f.ref, f.name, f.media_type, f.sha256, text)
    return TestSet(row.id, row.name, row.version, row.description, [Prompt(**p) for p in json.loads(row.prompts)],
                   [Check(**c) for c in json.loads(row.checks)], json.loads(row.columns), cases, files,
                   row.owner, row.team, row.created_at, row.source, row.digest)


def file_bytes(sha256: str, conn=None) -> bytes:
    """A case file's bytes."""
    if conn is None:
        with get_engine().connect() as c:
            return file_bytes(sha256, c)
    data = blobs.read(conn, sha256)
    if data is None:
        raise ValidationError({"files": f"A case file ({sha256[:12]}…) is missing from the database."})
    return data


def list_sets() -> list[SetSummary]:
    """The latest version of every set the acting user may see, newest first."""
    runs = select(EvalRun.__table__.c.set_id, func.count().label("n")).group_by(EvalRun.__table__.c.set_id).subquery()
    latest = (select(_SETS.c.name, func.max(_SETS.c.version).label("version"), func.count().label("versions"))
              .where(visible(_SETS)).group_by(_SETS.c.name).subquery())
    stmt = (select(_SETS, latest.c.versions, func.coalesce(runs.c.n, 0).label("runs"))
            .join(latest, and_(latest.c.name == _SETS.c.name, latest.c.version == _SETS.c.version))
            .outerjoin(runs, runs.c.set_id == _SETS.c.id).order_by(_SETS.c.created_at.desc(), _SETS.c.id.desc()))
    with get_engine().connect() as conn:
        return [SetSummary(r.id, r.name, r.version, r.description, r.case_count, len(json.loads(r.prompts)),
                           r.owner, r.team, r.created_at, r.versions, r.runs) for r in conn.execute(stmt)]


def versions(name: str) -> list[SetSummary]:
    """Every version of a set, newest first."""
    with get_engine().connect() as conn:
        rows = conn.execute(select(_SETS).where(_SETS.c.name == name, visible(_SETS))
                            .order_by(_SETS.c.version.desc())).all()
    return [SetSummary(r.id, r.name, r.version, r.description, r.case_count, len(json.loads(r.prompts)), r.owner,
                       r.team, r.created_at, len(rows), 0) for r in rows]


def case_from(data: dict) -> Case:
    """A case from a dict, its problems as one ValidationError."""
    try:
        return Case(**data)
    except pydantic.ValidationError as e:
        raise ValidationError({"case": "; ".join(err["msg"] for err in e.errors())}) from None
