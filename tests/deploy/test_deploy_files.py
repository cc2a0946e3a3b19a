"""deploy/: the systemd unit template passes ``systemd-analyze verify`` and the nginx site
passes ``nginx -t`` (CI installs nginx and sets LINLI_REQUIRE_NGINX=1, so there it must run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "linli@.service"
SITE = DEPLOY / "nginx-linli.conf"
REQUIRE_NGINX_ENV = "LINLI_REQUIRE_NGINX"


def linli_executable() -> Path:
    """The ``linli`` script of the environment running the tests (a real executable)."""
    return Path(sys.executable).parent / "linli"


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (it comes with systemd)")
    # ExecStart must name an executable that exists: point it at this environment's linli.
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/linli/venv/bin/linli run\n" in text
    (tmp_path / UNIT.name).write_text(
        text.replace("/opt/linli/venv/bin/linli", str(linli_executable())), encoding="utf-8"
    )
    instance = tmp_path / "linli@8441.service"
    instance.symlink_to(UNIT.name)
    done = subprocess.run(
        [analyze, "verify", str(instance)], capture_output=True, text=True, check=False
    )
    # Unknown keys and the like are only warnings: any output at all is a finding.
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_each_worker_listens_on_its_instance_port_and_nginx_knows_the_ports() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    assert "Environment=LINLI_WEBHOOK_LISTEN=127.0.0.1:%i\n" in unit
    enabled = re.search(r"systemctl enable --now ((?:linli@\d+ ?)+)", unit)
    assert enabled is not None
    unit_ports = re.findall(r"linli@(\d+)", enabled.group(1))
    site_ports = re.findall(r"server 127\.0\.0\.1:(\d+)", SITE.read_text(encoding="utf-8"))
    assert unit_ports == site_ports == ["8441", "8442", "8443"]


def nginx_or_skip() -> str:
    found = shutil.which("nginx") or next(
        (str(p) for p in (Path("/usr/sbin/nginx"),) if p.exists()), None
    )
    if found is None:
        if os.environ.get(REQUIRE_NGINX_ENV) == "1":
            pytest.fail(f"nginx is not installed (and {REQUIRE_NGINX_ENV}=1)", pytrace=False)
        pytest.skip(f"nginx is not installed here (CI installs it and sets {REQUIRE_NGINX_ENV}=1)")
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for nginx -t")
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=bot.example.org", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = nginx_or_skip()
    cert, key = self_signed_certificate(tmp_path)
    site = SITE.read_text(encoding="utf-8")
    live = "/etc/letsencrypt/live/bot.example.org"
    assert f"ssl_certificate {live}/fullchain.pem;" in site
    site = site.replace(f"{live}/fullchain.pem", str(cert)).replace(f"{live}/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    # The site goes in the http {} context of a stock nginx.conf; everything else points here.
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ access_log {tmp_path / 'access.log'}; {temp} include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_nginx_forwards_only_posts_to_the_webhook_path_and_nothing_else() -> None:
    site = SITE.read_text(encoding="utf-8")
    location = re.search(r"location = (/\S+) \{(.*?)\n    \}", site, re.S)
    assert location is not None
    assert location.group(1) == "/linli/telegram"
    assert "limit_except POST" in location.group(2)
    assert "proxy_pass http://linli_webhook;" in location.group(2)
    assert "location / {\n        return 404;" in site
