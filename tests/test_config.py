"""Settings come from the environment and bad values stop the start, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.config.env import Env, EnvError

ROOT = Path(__file__).resolve().parents[1]


def test_bool_accepts_only_true_or_false_words() -> None:
    env = Env({"A": "true", "B": "0", "C": "ture"})
    assert env.bool("A", False) is True
    assert env.bool("B", True) is False
    assert env.bool("MISSING", True) is True
    with pytest.raises(EnvError, match="C: expected true or false"):
        env.bool("C", False)


@pytest.mark.parametrize("value", ["ten", "1.5", "", " 7 "])
def test_int_is_parsed_strictly(value: str) -> None:
    env = Env({"N": value})
    if value.strip() in {"", "7"}:
        assert env.int("N", 3) == (7 if value.strip() else 3)
    else:
        with pytest.raises(EnvError, match="N: expected a whole number"):
            env.int("N", 3)


def test_int_bounds_are_enforced() -> None:
    with pytest.raises(EnvError, match="at least 100"):
        Env({"CAP": "5"}).int("CAP", 1000, minimum=100)


def test_number_lists_need_the_right_count_of_whole_numbers() -> None:
    env = Env({"OK": "1, 2,3", "SHORT": "1,2", "WORD": "1,two,3", "NEG": "1,0,3"})
    assert env.ints("OK", (7, 8, 9)) == (1, 2, 3)
    assert env.ints("MISSING", (7, 8, 9)) == (7, 8, 9)
    with pytest.raises(EnvError, match="SHORT: expected 3 numbers, got 2"):
        env.ints("SHORT", (7, 8, 9))
    with pytest.raises(EnvError, match="WORD: expected comma-separated whole numbers"):
        env.ints("WORD", (7, 8, 9))
    with pytest.raises(EnvError, match="NEG: every number must be at least 1"):
        env.ints("NEG", (7, 8, 9), minimum=1)


def test_url_scheme_is_checked() -> None:
    env = Env({"DATABASE_URL": "mysql://root@localhost/db"})
    with pytest.raises(EnvError, match="DATABASE_URL: scheme must be one of"):
        env.url("DATABASE_URL", schemes={"postgres", "sqlite"})


def test_secret_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert Env({"KEY_FILE": str(secret)}).str("KEY") == "s3cret"
    with pytest.raises(EnvError, match="either KEY or KEY_FILE"):
        Env({"KEY": "x", "KEY_FILE": str(secret)}).str("KEY")
    with pytest.raises(EnvError, match="KEY_FILE: cannot read"):
        Env({"KEY_FILE": str(tmp_path / "missing")}).str("KEY")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KEFU_", "DATABASE_", "REDIS_", "DJANGO_ALLOW_ASYNC"))
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_malformed_variable_stops_the_start_with_its_name() -> None:
    result = _manage("check", KEFU_DEBUG="maybe")
    assert result.returncode != 0
    assert "KEFU_DEBUG: expected true or false, got 'maybe'" in result.stderr


def test_production_settings_require_a_secret_key() -> None:
    result = _manage("check", DJANGO_SETTINGS_MODULE="kefu.config.settings.production")
    assert result.returncode != 0
    assert "KEFU_SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="kefu.config.settings.production",
        KEFU_SECRET_KEY="x7!Qp2#vLm9$Rt4&Wz8*Yb3^Nc6(Hd1)Jf5-Kg0+Sa2=Ue7~Ix4?Oq9",
        KEFU_ALLOWED_HOSTS="help.example.com",
        KEFU_CHAT_TOKEN_SECRET="q8#Vt2!Lm5$Zr9&Wc4*Hy7^Bn1(Kd6)Pf3",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
