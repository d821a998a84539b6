"""The import rules of STYLE.md section 5, checked on the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

# package prefix -> imports it must never make (module-level or inside functions)
FORBIDDEN = {
    "bot.models": ("bot.", "discord", "nltk", "sklearn"),
    "bot.errors": ("bot.", "discord"),
    "bot.config": ("bot.ingest", "bot.retrieval", "bot.summarise", "bot.service", "discord"),
    "bot.ingest": ("bot.retrieval", "bot.summarise", "bot.service", "bot.config", "bot.cli", "discord"),
    "bot.retrieval": ("bot.ingest", "bot.service", "bot.config", "bot.cli", "discord"),
    "bot.attribution": (
        "bot.ingest", "bot.retrieval", "bot.summarise", "bot.service", "bot.config", "bot.cli", "discord",
    ),
    "bot.summarise": ("bot.service", "bot.config", "bot.cli", "bot.ingest", "discord"),
    "bot.service": ("bot.config", "bot.cli", "bot.discord_adapter", "bot.storage", "bot.library", "discord"),
    "bot.storage": ("bot.ingest", "bot.retrieval", "bot.summarise", "bot.service", "bot.config", "bot.cli", "discord"),
    "bot.live": ("bot.config", "bot.cli", "bot.discord_adapter", "bot.storage", "bot.library", "discord"),
    "bot.library": ("bot.config", "bot.cli", "bot.discord_adapter", "discord"),
    "bot.feeds": ("bot.config", "bot.cli", "bot.discord_adapter", "discord"),
    "bot.compaction": ("bot.config", "bot.cli", "bot.discord_adapter", "bot.storage", "bot.library", "discord"),
    "bot.upkeep": ("bot.config", "bot.cli", "bot.discord_adapter", "discord"),
    "bot.fetch_pool": ("bot.config", "bot.cli", "bot.discord_adapter", "bot.service", "bot.library", "discord"),
    "bot.insights": ("bot.config", "bot.cli", "bot.discord_adapter", "bot.service", "bot.storage", "discord"),
    "bot.chat": ("bot.config", "bot.cli", "bot.discord_adapter", "discord"),
    "bot.discord_adapter": (
        "bot.config", "bot.cli", "bot.ingest.", "bot.retrieval.", "bot.summarise.", "bot.attribution.",
    ),
}
CORE = (
    "bot.models", "bot.ingest", "bot.attribution", "bot.retrieval", "bot.summarise", "bot.service", "bot.storage",
    "bot.library", "bot.fetch_pool", "bot.feeds", "bot.live", "bot.compaction", "bot.upkeep",
)  # fmt: skip


def modules():
    for path in sorted(BOT.rglob("*.py")):
        name = ".".join(path.relative_to(BOT.parent).with_suffix("").parts).removesuffix(".__init__")
        yield name, ast.parse(path.read_text(encoding="utf-8"))


def imports(tree: ast.Module) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in the tree."""
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in top))
    return found


@pytest.mark.parametrize(("name", "tree"), list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_point_inward(name, tree):
    for prefix, banned in FORBIDDEN.items():
        if name == prefix or name.startswith(prefix + "."):
            for module, _ in imports(tree):
                assert not any(module == b.rstrip(".") or module.startswith(b) for b in banned), (
                    f"{name} imports {module}"
                )


@pytest.mark.parametrize(("name", "tree"), list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_core_has_no_io_side_effects(name, tree):
    if not name.startswith(CORE):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"print", "input"}, f"{name} calls {node.func.id}()"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert not (node.value.id == "os" and node.attr in {"environ", "getenv"}), f"{name} reads the environment"
    for module, top_level in imports(tree):
        assert not (module.startswith("nltk") and top_level), f"{name} imports nltk at import time"
