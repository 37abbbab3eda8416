"""The house rules, checked on the source: few loose modules, imports that run down the layers only, shared test helpers
in tests/support."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "alonchat"
# Each part may import only the parts before it (docs/architecture.md). A part is a subpackage or a loose module.
LAYERS = ("core", "storage", "access", "providers", "catalog", "usage", "calls", "conversations", ("evals", "arena"),
          "cli")
RANK = {part: i for i, layer in enumerate(LAYERS) for part in (layer if isinstance(layer, tuple) else (layer,))}
# The top of alonchat/ besides its subpackages: the public API and `python -m alonchat`.
LOOSE = {"__init__.py", "__main__.py"}
MAX_LOOSE = 10


def loose_entries() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if not p.is_dir()}


def test_the_top_of_the_package_holds_no_new_loose_module():
    found = loose_entries()
    assert len(LOOSE) <= MAX_LOOSE
    assert found == LOOSE, (
        f"alonchat/ gained {sorted(found - LOOSE)} (or lost {sorted(LOOSE - found)}): put a new module in the folder "
        "of its concern (core/, calls/, usage/, ...; docs/architecture.md), not at the top")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, those inside functions and `if` blocks included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import x` and `from .pkg import mod` name modules too: each name may be one.
            out += [(node.lineno, f"{prefix}.{alias.name}") for alias in node.names] + [(node.lineno, prefix)]
    return out


def part_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "alonchat" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in RANK else None


def test_imports_run_down_the_layers_only():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent == PACKAGE and path.name in ("__init__.py", "__main__.py"):
            continue  # the public API names every part, lazily; `python -m alonchat` runs the CLI
        here = part_of(module_name(path))
        assert here is not None, f"{path.relative_to(ROOT)} belongs to no layer: add its part to LAYERS"
        for line, target in imported(path):
            there = part_of(target)
            if there is not None and RANK[there] > RANK[here]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({here}) imports {target} ({there})")
    assert not wrong, "imports that run up the layers (core → storage → access → providers → catalog → usage → " \
                      "calls → conversations → evals/arena → cli):\n" + "\n".join(sorted(set(wrong)))


def test_a_layer_violation_is_caught(tmp_path):
    """The checker itself: a lazy import inside a function, written relative, is still an import."""
    fake = tmp_path / "alonchat" / "core" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from ..calls import service\n    return service\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert (2, "alonchat.calls.service") in imported(fake)
    finally:
        ROOT = saved


def test_tests_share_helpers_through_tests_support_only():
    """A test module imports helpers from tests/support (or the fake server), never from another test module."""
    wrong = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for line, target in imported(path):
            parts = target.split(".")
            if parts[0] == "tests" and len(parts) > 1 and parts[1] not in ("support", "fake_server") \
                    and not (len(parts) == 2 and parts[1] in ("support", "fake_server")):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "move shared helpers into tests/support/:\n" + "\n".join(wrong)
