"""`figscrape app` as a process: it becomes the Streamlit server (stopping its PID frees the port),
listens on 127.0.0.1 by default, and serves labelers without the developer menu."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from figscrape.cli.dataset import LABELER_SETTINGS, streamlit_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_labelers_settings_hide_the_developer_menu() -> None:
    command = streamlit_command("main.py", 8501, "127.0.0.1")
    assert command[command.index("--client.toolbarMode") + 1] in ("minimal", "viewer")
    assert LABELER_SETTINGS["global.developmentMode"] == "false" and LABELER_SETTINGS["server.fileWatcherType"] == "none"
    from streamlit import config

    unknown = [k for k in LABELER_SETTINGS if k not in config._config_options_template]
    assert unknown == [], f"not options of the installed Streamlit: {unknown}"


def test_sigterm_to_figscrape_app_stops_the_server(engine, config) -> None:  # noqa: ANN001
    port = free_port()
    env = dict(os.environ, FIGSCRAPE_DATA=str(config.data_home))
    proc = subprocess.Popen([sys.executable, "-m", "figscrape.cli", "app", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("figscrape app did not come up")
        proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 5
        while time.time() < deadline and port_open(port):
            time.sleep(0.1)
        assert not port_open(port), "the Streamlit server still serves after SIGTERM to figscrape app's PID"
        proc.wait(5)
        out = proc.stdout.read().decode() if proc.stdout else ""
        assert f"http://127.0.0.1:{port}" in out and "this machine only" in out, out
    finally:
        if proc.poll() is None:
            proc.kill()
