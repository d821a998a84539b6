"""The Dockerfile, compose.yaml and the systemd unit install, start and configure the bot as the
README says; the dependency floors and the lock file match pyproject.toml. (No container engine runs here.)"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
INSTALL = "pip install -c constraints.txt ."
ENTRY = "python -m bot run"


def _text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _settings_names(text: str) -> set[str]:
    return set(re.findall(r"\b((?:NEWSBOT|DISCORD)_[A-Z_]+[A-Z])\b", text))


def _env_example() -> set[str]:
    return {line.split("=", 1)[0] for line in _text(".env.example").splitlines() if line and not line.startswith("#")}


def _dockerfile() -> dict[str, list[str]]:
    """Instruction -> its arguments, continuation lines joined (one entry per instruction line)."""
    joined = re.sub(r"\\\n\s*", " ", _text("Dockerfile"))
    found: dict[str, list[str]] = {}
    for line in joined.splitlines():
        if line.strip() and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.setdefault(word, []).append(rest.strip())
    return found


def _exec_form(value: str) -> str:
    return " ".join(json.loads(value))


def test_readme_install_and_start_commands_are_the_ones_the_deployments_use():
    readme = _text("README.md")
    assert INSTALL in readme and ENTRY in readme
    docker = _dockerfile()
    assert any(INSTALL.replace("pip install", "pip install --no-cache-dir") in run for run in docker["RUN"])
    assert _exec_form(docker["CMD"][0]) == ENTRY
    unit = _text("deploy/newsbot.service")
    assert INSTALL in unit  # the install steps in its header
    (start,) = re.findall(r"^ExecStart=(.*)$", unit, re.M)
    assert start.endswith("/.venv/bin/" + ENTRY)
    assert "build: ." in _text("compose.yaml")  # compose builds the Dockerfile


def test_health_and_start_checks_call_doctor():
    (health,) = _dockerfile()["HEALTHCHECK"]
    assert _exec_form(health.split("CMD", 1)[1].strip()) == "python -m bot doctor"
    assert re.search(r"^ExecStartPre=\S+/python -m bot doctor --offline$", _text("deploy/newsbot.service"), re.M)


def test_docker_runs_as_a_user_with_a_data_volume_and_the_lock_file():
    docker = _dockerfile()
    assert docker["USER"] == ["newsbot"]
    assert any("constraints.txt" in copy for copy in docker["COPY"])
    (volume,) = docker["VOLUME"]
    env = " ".join(docker["ENV"])
    assert f"NEWSBOT_HOME={json.loads(volume)[0]}" in env
    compose = _text("compose.yaml")
    home = re.search(r"NEWSBOT_HOME: (\S+)", compose).group(1)
    assert re.search(rf"- \S+:{re.escape(home)}$", compose, re.M)  # the volume is the data folder
    assert "path: .env" in compose
    unit = _text("deploy/newsbot.service")
    unit_home = re.search(r"^Environment=NEWSBOT_HOME=(\S+)$", unit, re.M).group(1)
    assert f"ReadWritePaths={unit_home}" in unit and "User=newsbot" in unit and "KillSignal=SIGTERM" in unit


def test_every_setting_they_use_is_a_setting_and_the_readme_lists_every_one():
    known = _env_example()
    for name in ("Dockerfile", "compose.yaml", "deploy/newsbot.service", "README.md"):
        assert _settings_names(_text(name)) <= known, name
    rows = [re.match(r"\| `((?:NEWSBOT|DISCORD)_[A-Z_]+)` \|", line) for line in _text("README.md").splitlines()]
    assert {row.group(1) for row in rows if row} == known


def _dependencies() -> dict[str, str | None]:
    """Runtime dependency name (normalised) -> its lowest version (None when unbounded)."""
    project = tomllib.loads(_text("pyproject.toml"))["project"]
    floors = {}
    for spec in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0)
        low = re.search(r">=\s*([^,\s]+)", spec)
        floors[_norm(name)] = low.group(1) if low else None
    return floors


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(name: str) -> dict[str, str]:
    lines = [line for line in _text(name).splitlines() if line and not line.startswith("#")]
    return {_norm(line.split("==")[0]): line.split("==")[1] for line in lines}


def test_floor_constraints_are_the_lowest_versions_pyproject_allows():
    floors, pins = _dependencies(), _pins("constraints-floor.txt")
    for name, low in floors.items():
        assert low is not None, f"{name} has no lowest version"
        assert Version(pins[name]) == Version(low), name
    lock = _pins("constraints.txt")
    assert set(floors) <= set(lock)  # the lock pins every runtime dependency
    ci = _text(".ci/run")
    assert "-c constraints.txt" in ci and "-c constraints-floor.txt" in ci


def test_distribution_name_and_metadata():
    project = tomllib.loads(_text("pyproject.toml"))["project"]
    assert project["name"] != "newsbot"  # taken on PyPI by an unrelated project
    assert project["license"] and (ROOT / "LICENSE").is_file()
    assert {"Homepage", "Source", "Issues"} <= set(project["urls"])
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in project["classifiers"])
    assert f'`{project["name"]}`' in _text("README.md")
