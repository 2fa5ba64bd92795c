"""The operator's files say what README "Operation" promises (no container engine here to build the image)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from config import Settings

ROOT = Path(__file__).resolve().parents[2]
HEALTH = "http://localhost:8501/_stcore/health"


def test_dockerfile_runs_the_app_as_non_root_with_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "pip install ." in text
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
    assert services["proxy"]["image"].startswith("caddy:")
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
    operation = readme[readme.index("## Operation"): readme.index("## Benchmarks")]
    for name in Settings.model_fields:
        assert f"`VIERPHASEN_{name.upper()}`" in operation, name
    for name in ("STREAMLIT_SERVER_COOKIE_SECRET", "POSTGRES_PASSWORD", "VIERPHASEN_SITE"):
        assert f"`{name}`" in operation
    assert "/_stcore/health" in operation
    for command in ("vierphasen backup", "vierphasen migrate", "audit verify", "pg_dump"):
        assert command in operation
