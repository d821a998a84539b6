"""``python -m bot doctor``: each check, its ✓/✗ line, the exit status. Network only on 127.0.0.1."""

from __future__ import annotations

import http.server
import io
import json
import os
import shutil
import socket
import threading

import pytest

from bot import doctor
from bot.cli import main
from bot.config import Settings
from tests.conftest import TINY_CORPUS

TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz012345678"  # made up, of the right form


@pytest.fixture
def home(tmp_path):
    shutil.copytree(TINY_CORPUS, tmp_path / "corpus")
    return tmp_path


def _settings(home, **changes) -> Settings:
    values = {"home": home, "corpus_dir": home / "corpus", "index_dir": home / ".newsbot/index",
              "data_dir": home / ".newsbot/data", **changes}
    return Settings(**values)


@pytest.fixture
def local_discord():
    """A REST endpoint on 127.0.0.1 that answers /gateway, and a listening socket as the gateway."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"url": "ws://127.0.0.1"}).encode()
            self.send_response(200 if self.path.endswith("/gateway") else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway = socket.socket()
    gateway.bind(("127.0.0.1", 0))
    gateway.listen()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v10", f"ws://127.0.0.1:{gateway.getsockname()[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        gateway.close()


def _refused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_all_checks_pass_against_a_local_discord(home, local_discord):
    api, gateway = local_discord
    settings = _settings(home, discord_token=TOKEN, discord_api_base=api, discord_gateway_url=gateway)
    out = io.StringIO()
    assert doctor.run(offline=False, as_json=False, write=out.write, settings=settings) == 0
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "✓ settings", "✓ token", "✓ data folder", "✓ corpus", "✓ index", "✓ store", "✓ Discord API",
        "✓ Discord gateway",
    ]
    assert "HTTP 200" in lines[6]
    assert "5 article files" in lines[3]


def test_unreachable_discord_is_a_cross_with_what_to_do_and_a_failing_status(home):
    port = _refused_port()
    local = f"127.0.0.1:{port}"
    settings = _settings(home, discord_api_base=f"http://{local}", discord_gateway_url=f"ws://{local}")
    out = io.StringIO()
    assert doctor.run(offline=False, as_json=True, write=out.write, settings=settings) == 1
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert set(failed) == {"Discord API", "Discord gateway"}
    assert "cannot be reached" in failed["Discord API"] and "DISCORD_API_BASE" in failed["Discord API"]


def test_offline_skips_the_network(home):
    checks = doctor.diagnose(probe=None, settings=_settings(home))
    assert [c.name for c in checks][-1] == "store"
    assert all(c.ok for c in checks)
    assert doctor.check_discord(_settings(home), lambda url, timeout: "fake")[0].detail.startswith(
        "https://discord.com/api/v10/gateway"
    )  # the real endpoints are the defaults; only the fake probe saw them


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ('"' + TOKEN + '"', "quotes"),
        ("Bot " + TOKEN, '"Bot "'),
        ("not-a-token", "does not look like a bot token"),
    ],
)
def test_token_form(home, token, expected):
    check = doctor.check_token(_settings(home, discord_token=token))
    assert not check.ok and expected in check.detail


def test_missing_corpus_and_damaged_store_are_crosses(home):
    (home / ".newsbot/data").mkdir(parents=True)
    (home / ".newsbot/data/articles.sqlite3").write_bytes(b"this is not a database" * 100)
    checks = {c.name: c for c in doctor.diagnose(probe=None, settings=_settings(home, corpus_dir=home / "nope"))}
    assert not checks["corpus"].ok and "NEWSBOT_HOME" in checks["corpus"].detail
    assert not checks["index"].ok
    assert not checks["store"].ok and "articles.sqlite3" in checks["store"].detail


def test_stale_and_current_index(home):
    settings = _settings(home)
    assert main(["index"], settings=settings, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert doctor.check_index(settings).detail.startswith("saved and current")
    (home / "corpus" / "new.md").write_text("---\ntitle: A new one\n---\nA sentence here.\n", encoding="utf-8")
    assert "changed since" in doctor.check_index(settings).detail


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_data_folder_is_a_cross(home):
    home.chmod(0o555)
    try:
        check = doctor.check_folders(_settings(home))
    finally:
        home.chmod(0o755)
    assert not check.ok and "cannot be written" in check.detail


def test_bad_setting_is_reported_by_the_command_with_a_failing_status(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_LOG_LEVEL", "verbose")
    out = io.StringIO()
    assert main(["doctor", "--offline"], stdout=out, stderr=io.StringIO()) == 1
    assert out.getvalue().startswith("✗ settings: NEWSBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
