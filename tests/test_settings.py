"""Settings come from TRANSDRAFT_* variables, an optional TOML file, then defaults."""

import pytest
from pydantic import ValidationError

from config.settings import SHIPPED_BLOCKS_DIR, Settings


def test_defaults_need_nothing_installed():
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.target_lang == "nl"
    assert settings.provider == ["google"]
    assert settings.blocks_dir == SHIPPED_BLOCKS_DIR
    assert settings.char_budget_daily is None
    assert settings.fetch_allow_hosts == []


def test_comma_separated_lists_from_environment(monkeypatch):
    monkeypatch.setenv("TRANSDRAFT_PROVIDER", "libre, apertium")
    monkeypatch.setenv("TRANSDRAFT_FETCH_ALLOW_HOSTS", "127.0.0.1,10.0.0.0/8")
    settings = Settings()
    assert settings.provider == ["libre", "apertium"]
    assert settings.fetch_allow_hosts == ["127.0.0.1", "10.0.0.0/8"]


def test_toml_file_is_read_and_environment_wins(monkeypatch, tmp_path):
    config = tmp_path / "transdraft.toml"
    config.write_text('target_lang = "de"\nchar_budget_daily = 5000\nprovider = "deepl"\n')
    monkeypatch.setenv("TRANSDRAFT_CONFIG", str(config))
    monkeypatch.setenv("TRANSDRAFT_TARGET_LANG", "fr")
    settings = Settings()
    assert settings.target_lang == "fr"
    assert settings.char_budget_daily == 5000
    assert settings.provider == ["deepl"]


def test_unknown_provider_is_refused(monkeypatch):
    monkeypatch.setenv("TRANSDRAFT_PROVIDER", "google,babelfish")
    with pytest.raises(ValidationError, match="unknown provider babelfish"):
        Settings()
