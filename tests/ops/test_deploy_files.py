"""The operator's files say what README "Operation" promises (no container engine here to build the image)."""

from __future__ import annotations

import http.client
import http.server
import os
import re
import shutil
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from config import Settings

ROOT = Path(__file__).resolve().parents[2]
HEALTH = "http://localhost:8501/_stcore/health"


def test_dockerfile_runs_the_app_as_non_root_with_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "RUN pip install -c constraints.txt . " in text  # every transitive dependency pinned
    assert "constraints.txt" in re.search(r"^COPY pyproject\.toml .*$", text, re.MULTILINE).group(0)
    assert re.search(r"^USER vierphasen$", text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n.*" + re.escape(HEALTH), text, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*?\])$", text, re.MULTILINE | re.DOTALL).group(1).replace("\\\n", "")
    assert '"streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0"' in cmd
    ignored = (ROOT / ".dockerignore").read_text().split()
    for kept_out in (".venv", "data", "tests", ".streamlit/secrets.toml", ".git"):
        assert kept_out in ignored


def test_compose_runs_two_instances_on_postgres_behind_a_sticky_websocket_proxy() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    apps = [name for name, service in services.items() if service.get("build") == "."]
    assert len(apps) >= 2
    for name in apps:
        app = services[name]
        assert app["env_file"] == ".env"
        assert app["environment"]["VIERPHASEN_DATABASE_URL"].startswith("postgresql://")
        assert "STREAMLIT_SERVER_COOKIE_SECRET" in app["environment"]
        assert HEALTH in app["healthcheck"]["test"]
    assert services["postgres"]["image"] == "postgres:15"
    assert re.fullmatch(r"caddy:2\.\d+\.\d+", services["proxy"]["image"])  # a concrete version, not "caddy:2"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert all(f"{name}:8501" in caddyfile for name in apps)
    assert "lb_policy cookie" in caddyfile and "health_uri /_stcore/health" in caddyfile


def test_caddyfile_is_valid_where_caddy_is_installed() -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy fehlt (Debian-Paket `caddy`): deploy/Caddyfile nur inhaltlich geprüft")
    result = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(ROOT / "deploy" / "Caddyfile")],
        capture_output=True, text=True, env={**os.environ, "VIERPHASEN_SITE": ":8088"}, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_readme_operation_documents_every_environment_variable_and_the_health_check() -> None:
    readme = (ROOT / "README.md").read_text()
    operation = readme[readme.index("## Operation"): readme.index("## Performance")]
    for name in Settings.model_fields:
        assert f"`VIERPHASEN_{name.upper()}`" in operation, name
    for name in ("STREAMLIT_SERVER_COOKIE_SECRET", "POSTGRES_PASSWORD", "VIERPHASEN_SITE"):
        assert f"`{name}`" in operation
    assert "/_stcore/health" in operation
    for command in ("vierphasen backup", "vierphasen migrate", "audit verify", "pg_dump"):
        assert command in operation


class _Upstream(http.server.BaseHTTPRequestHandler):
    """Answers like Streamlit as far as the proxy is concerned: 200 with its two cookies (without Secure)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Set-Cookie", "_streamlit_xsrf=2|abc|def; Path=/; SameSite=Lax")
        self.send_header("Set-Cookie", "_streamlit_user=xyz; Path=/; HttpOnly; SameSite=Lax")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy_in_front_of_a_fake_app(tmp_path: Path):
    """Runs the shipped Caddyfile's site block with caddy: yields start(site, http_port, https_port) -> process.

    Only the upstream addresses (app1/app2 do not resolve here) and a global block (own ports, no admin API, the
    local CA not installed into the system's trust store) are changed.
    """
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy fehlt (Debian-Paket `caddy`)")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    site_block = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy app1:8501 app2:8501 {" in site_block
    site_block = site_block.replace("app1:8501 app2:8501", f"127.0.0.1:{upstream.server_port}")
    processes = []

    def start(site: str, http_port: int, https_port: int) -> str:
        config = tmp_path / f"Caddyfile-{len(processes)}"
        config.write_text(
            f"{{\n\tadmin off\n\tskip_install_trust\n\thttp_port {http_port}\n\thttps_port {https_port}\n}}\n"
            + site_block
        )
        log = open(tmp_path / f"caddy-{len(processes)}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [caddy, "run", "--adapter", "caddyfile", "--config", str(config)],
            env={**os.environ, "VIERPHASEN_SITE": site, "XDG_DATA_HOME": str(tmp_path / "data"),
                 "XDG_CONFIG_HOME": str(tmp_path / "config")},
            stdout=log, stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        return process

    yield start
    for process, log in processes:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    upstream.shutdown()


def _response_headers(url: str, process: subprocess.Popen) -> http.client.HTTPMessage:
    """The headers of GET url once caddy answers (its own CA signs the HTTPS certificate: not verified)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    while True:
        assert process.poll() is None, "caddy beendete sich"
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                return response.headers
        except OSError:
            time.sleep(0.2)


def test_proxy_marks_every_cookie_secure_and_sends_hsts_on_https_only(proxy_in_front_of_a_fake_app) -> None:
    from tests.browser.streamlit_server import free_port

    https_port = free_port()
    process = proxy_in_front_of_a_fake_app(f"https://localhost:{https_port}", free_port(), https_port)
    headers = _response_headers(f"https://localhost:{https_port}/", process)
    cookies = headers.get_all("Set-Cookie")
    assert {cookie.split("=", 1)[0] for cookie in cookies} == {"_streamlit_xsrf", "_streamlit_user", "vierphasen_lb"}
    assert all(cookie.endswith("; Secure") for cookie in cookies), cookies
    assert headers["Strict-Transport-Security"] == "max-age=31536000"

    http_port = free_port()
    process = proxy_in_front_of_a_fake_app(f":{http_port}", http_port, free_port())
    headers = _response_headers(f"http://127.0.0.1:{http_port}/", process)
    cookies = headers.get_all("Set-Cookie")
    assert len(cookies) == 3 and not any("Secure" in cookie for cookie in cookies), cookies
    assert headers["Strict-Transport-Security"] is None


def test_streamlit_binds_to_loopback_unless_the_container_sets_all_interfaces() -> None:
    import tomllib

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["server"]["address"] == "127.0.0.1"
    # the image overrides it on its command line (inside the container the proxy reaches it over the network)
    assert '"--server.address", "0.0.0.0"' in (ROOT / "Dockerfile").read_text()
