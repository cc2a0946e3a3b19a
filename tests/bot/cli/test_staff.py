"""``linli staff``: a Telegram user id is a positive number; a group's id (negative) or 0 is
refused with one clear line instead of becoming a role nobody can use."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main


@pytest.fixture(autouse=True)
def embedded_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3")


@pytest.mark.parametrize("telegram_id", ["-1001234567890", "0", "-5"])
def test_a_chat_id_or_zero_is_not_a_user(
    telegram_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for action in (["add", telegram_id, "--role", "official"], ["remove", telegram_id]):
        with pytest.raises(SystemExit, match=r"^2$"):
            main(["staff", *action])
        assert "a Telegram user id is a positive number" in capsys.readouterr().err
    assert main(["staff", "list"]) == 0
    assert "No staff yet" in capsys.readouterr().out


def test_an_id_past_the_databases_integers_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit, match=r"^2$"):
        main(["staff", "add", "99999999999999999999999", "--role", "admin"])
    assert "too long for a Telegram user id" in capsys.readouterr().err
    assert main(["staff", "list"]) == 0
    assert "No staff yet" in capsys.readouterr().out


def test_removing_someone_linli_never_knew_adds_nobody(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["staff", "remove", "424242"]) == 2
    assert "nobody with Telegram id 424242 is known" in capsys.readouterr().out
    main(["resident", "export", "424242"])
    assert "linli holds nothing about 424242" in capsys.readouterr().err  # no row made
