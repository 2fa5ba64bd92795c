"""SSO idle time across two instances (issue 18.8): two `streamlit run` servers on one data directory behind
one reverse proxy (Caddy, as in the house-wide set-up: Streamlit accepts its identity cookie only at the origin
of the redirect URI), one identity provider, one browser. The proxy is switched from the first instance to the
second between the steps. The person signed in at the provider two hours ago; what decides whether that
provider sign-in may still start a session is the last activity, which every instance reads from the store.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from schemas.audit import AuditAction
from tests.browser.streamlit_server import free_port, streamlit_server
from tests.browser.test_happy_path import CHROMIUM, CHROMIUM_ARGS, ROOT, main, playwright_sync, settle

__all__ = ["playwright_sync"]  # the fixture, imported for this module

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROLE_MAP = '{"vp-ifk-team1": {"role": "IFK", "team": "Team 1"}}'
SIGNED_IN_AT_PROVIDER = int(time.time()) - 2 * 3600  # within the 12 hours, far beyond the 30 idle minutes


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    pytest.importorskip("oidc_provider_mock")
    import werkzeug.serving
    from oidc_provider_mock import User, app

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback only
    people = [User(sub="ines.ifk", claims={"name": "Ines Fallarbeit", "email": "ines@jc.example",
                                           "groups": ["vp-ifk-team1"], "auth_time": SIGNED_IN_AT_PROVIDER})]
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=people), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


CADDY = shutil.which("caddy")


class Proxy:
    """Caddy on one loopback port in front of one of the two instances; `switch` reloads it onto the other."""

    def __init__(self, workdir: Path, port: int):
        self.workdir, self.port, self.admin = workdir, port, free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.config = workdir / "Caddyfile"

    def write(self, upstream: str) -> None:
        self.config.write_text(
            f"{{\n\tadmin 127.0.0.1:{self.admin}\n\tauto_https off\n}}\n"
            f"http://127.0.0.1:{self.port} {{\n\treverse_proxy {upstream.removeprefix('http://')}\n}}\n"
        )

    def switch(self, upstream: str) -> None:
        self.write(upstream)
        subprocess.run([CADDY, "reload", "--config", str(self.config), "--adapter", "caddyfile",
                        "--address", f"127.0.0.1:{self.admin}"], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def two_instances(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Proxy, Path]]:
    """Two servers sharing working directory (secrets: same cookie secret), data directory and provider, and
    the proxy whose origin is the redirect URI's."""
    if CADDY is None:
        pytest.skip("caddy ist nicht installiert")
    workdir = tmp_path_factory.mktemp("sso-two")
    data_dir = workdir / "data"
    proxy = Proxy(workdir, free_port())
    (workdir / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    (workdir / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{proxy.url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "vierphasen"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = {"VIERPHASEN_DATA_DIR": str(data_dir), "VIERPHASEN_AUTH_MODE": "sso",
           "VIERPHASEN_EMERGENCY_KDN": "kdn.notfall", "VIERPHASEN_SSO_ROLE_MAP": ROLE_MAP,
           "AUTHLIB_INSECURE_TRANSPORT": "1"}
    with ExitStack() as stack:
        url_a = stack.enter_context(streamlit_server(env, workdir / "a.log", cwd=workdir))
        url_b = stack.enter_context(streamlit_server(env, workdir / "b.log", cwd=workdir))
        proxy.write(url_a)
        with open(workdir / "caddy.log", "w") as log:
            caddy = subprocess.Popen([CADDY, "run", "--config", str(proxy.config), "--adapter", "caddyfile"],
                                     cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(caddy.wait, 10)
        stack.callback(caddy.terminate)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{proxy.url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if caddy.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("caddy startete nicht:\n" + (workdir / "caddy.log").read_text())
                time.sleep(0.3)
        yield url_a, url_b, proxy, data_dir


def _note(data_dir: Path, provider: str, minutes_ago: int) -> None:
    """What an instance notes at a click, written here as if the click happened `minutes_ago`."""
    from config import Settings
    from schemas.records import utcnow
    from services import sso
    from storage import open_store

    store = open_store(Settings(data_dir=data_dir))
    try:
        subject = sso.subject_key({"iss": provider, "sub": "ines.ifk"})
        sso.forget_activity(store, subject)
        sso.note_activity(store, subject, now=utcnow() - timedelta(minutes=minutes_ago))
    finally:
        store.close_store()


def _timeouts(data_dir: Path) -> int:
    from config import Settings
    from storage import open_store

    store = open_store(Settings(data_dir=data_dir))
    try:
        return sum(1 for e in store.audit_entries() if e.action == AuditAction.ABMELDUNG_ZEIT and e.actor.startswith("sso.ines"))
    finally:
        store.close_store()


def _signed_in(page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text("Ines Fallarbeit").wait_for()


def test_the_idle_timeout_holds_on_whichever_instance_answers(playwright_sync, provider, two_instances):
    _, url_b, proxy, data_dir = two_instances
    _note(data_dir, provider, minutes_ago=5)  # the person worked five minutes ago (on some instance)
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="de-DE")
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.goto(proxy.url)
        settle(page)
        main(page).get_by_role("button", name="Mit Single Sign-on anmelden").click()
        page.wait_for_url("**/oauth2/authorize**")
        page.get_by_role("button", name="ines.ifk", exact=True).click()
        page.wait_for_url(lambda u: "/oauth2/" not in u and "/auth/" not in u)
        settle(page)
        _signed_in(page)  # on A: the activity noted five minutes ago (not the provider's two hours) counts
        page.close()

        # The load balancer now sends the browser to B: the activity noted on A keeps the session alive there.
        proxy.switch(url_b)
        other = context.new_page()
        other.goto(proxy.url)
        settle(other)
        _signed_in(other)
        assert _timeouts(data_dir) == 0
        other.close()

        # 31 minutes without a click on any instance: B does not start a session any more (audited sign-out).
        _note(data_dir, provider, minutes_ago=31)
        third = context.new_page()
        third.goto(proxy.url)
        deadline = time.monotonic() + 60
        while _timeouts(data_dir) == 0 and time.monotonic() < deadline:
            third.wait_for_timeout(250)
        assert _timeouts(data_dir) == 1
        context.close()
    finally:
        browser.close()
