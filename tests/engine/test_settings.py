"""Settings come from the environment once, at start-up, with defaults a fresh clone runs on."""
import pytest

from engine.kernel.cache import workflows_kept_for
from engine.settings import Settings


def test_an_empty_environment_runs_on_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_environment({})
    assert settings.database_url == f"sqlite:///{tmp_path / 'instance' / 'sixgates.db'}"
    assert (settings.workflow_cache_size, settings.secure_cookies, settings.proxy_hops) == (256, False, 0)
    key = settings.app_secret_key()
    assert len(key) == 64 and settings.app_secret_key() == key  # made once, then kept
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_each_variable_sets_its_setting():
    settings = Settings.from_environment({
        "DATABASE_URL": "postgresql+psycopg://six@db/gates", "SECRET_KEY": "shared by every host",
        "SIXGATES_WORKFLOW_CACHE": "0", "SIXGATES_SECURE_COOKIES": "1", "SIXGATES_PROXY_HOPS": "2"})
    assert settings == Settings(database_url="postgresql+psycopg://six@db/gates", secret_key="shared by every host",
                                workflow_cache_size=0, secure_cookies=True, proxy_hops=2)
    assert settings.app_secret_key() == "shared by every host"
    assert workflows_kept_for(settings.database()).size == 0


@pytest.mark.parametrize("value", ["many", "-1", "1.5"])
def test_a_number_that_is_not_a_whole_number_stops_start_up_with_its_name(value):
    with pytest.raises(ValueError, match="SIXGATES_PROXY_HOPS"):
        Settings.from_environment({"DATABASE_URL": "sqlite://", "SIXGATES_PROXY_HOPS": value})
