from pathlib import Path

import pytest

from project import env


def test_bool_words():
    assert env.env_bool({"X": "Yes"}, "X") is True
    assert env.env_bool({"X": "off"}, "X", default=True) is False
    assert env.env_bool({}, "X", default=True) is True
    with pytest.raises(env.ConfigError, match="X='maybe'"):
        env.env_bool({"X": "maybe"}, "X")


def test_list_strips_and_drops_empty_items():
    assert env.env_list({"H": " a.example , b.example,, "}, "H", []) == ["a.example", "b.example"]
    assert env.env_list({}, "H", ["localhost"]) == ["localhost"]


def test_int_rejects_words():
    assert env.env_int({"N": "42"}, "N", 1) == 42
    assert env.env_int({}, "N", 7) == 7
    with pytest.raises(env.ConfigError):
        env.env_int({"N": "forty"}, "N", 1)


def test_database_defaults_to_sqlite_under_var(tmp_path):
    config = env.database_config({}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(config["NAME"]) == tmp_path / "var" / "db.sqlite3"
    assert config["OPTIONS"]["timeout"] == 20


def test_database_url_postgres(tmp_path):
    config = env.database_config({"DATABASE_URL": "postgres://u:p@db.local:5433/gas"}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("db.local", 5433, "gas", "u")
    assert config["OPTIONS"]["options"] == "-c jit=off"


def test_database_url_garbage_is_a_clear_error(tmp_path):
    with pytest.raises(env.ConfigError, match="DATABASE_URL"):
        env.database_config({"DATABASE_URL": "nosuchdb://x"}, tmp_path)


def test_broker_defaults_to_serverless_filesystem(tmp_path):
    assert env.broker_url({}, tmp_path) == "filesystem://"
    assert env.broker_url({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, tmp_path).startswith("redis://")
    options = env.filesystem_broker_options(tmp_path)
    assert Path(options["data_folder_in"]).is_dir()
    assert Path(options["control_folder"]) == tmp_path / "var" / "broker" / "control"


def test_secret_key_generated_once_and_kept(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = env.secret_key({}, key_file)
    assert len(first) >= 50
    assert env.secret_key({}, key_file) == first
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    assert env.secret_key({"SECRET_KEY": "given"}, key_file) == "given"


def test_gas_category_checked_against_gb_t_13611():
    assert env.gas_category({}) == "12T"
    assert env.gas_category({"CITY_GAS_CATEGORY": "20y"}) == "20Y"
    with pytest.raises(env.ConfigError, match="13611"):
        env.gas_category({"CITY_GAS_CATEGORY": "99Z"})


def test_live_settings_use_chinese_and_shanghai(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "project.middleware.ChineseFirstLocaleMiddleware" in settings.MIDDLEWARE
    assert settings.AUTH_USER_MODEL == "accounts.User"
