"""Settings come from the environment once, at start-up, with defaults a fresh clone runs on."""
from datetime import timedelta

import pytest

from engine.kernel.cache import workflows_kept_for
from engine.notices.delivery import SmtpSettings
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


def test_without_an_smtp_host_notifications_are_not_e_mailed_and_links_point_at_the_local_app():
    settings = Settings.from_environment({"DATABASE_URL": "sqlite://"})
    assert settings.smtp() is None
    assert settings.base_url == "http://127.0.0.1:5000"
    assert settings.due_soon_lead == timedelta(days=2)


def test_the_smtp_variables_say_how_the_worker_e_mails():
    settings = Settings.from_environment({
        "DATABASE_URL": "sqlite://", "SIXGATES_SMTP_HOST": "mail.example.nhs.uk", "SIXGATES_SMTP_STARTTLS": "1",
        "SIXGATES_SMTP_USERNAME": "sixgates", "SIXGATES_SMTP_PASSWORD": "s3cret",
        "SIXGATES_SMTP_FROM": "six-gates@hub.example.nhs.uk", "SIXGATES_BASE_URL": "https://gates.example.nhs.uk/",
        "SIXGATES_DUE_SOON_LEAD": "PT36H"})
    assert settings.smtp() == SmtpSettings(
        host="mail.example.nhs.uk", port=587, starttls=True, username="sixgates", password="s3cret",
        from_address="six-gates@hub.example.nhs.uk", base_url="https://gates.example.nhs.uk")
    assert settings.due_soon_lead == timedelta(hours=36)


def test_plain_smtp_defaults_to_port_25_and_a_port_given_is_kept():
    plain = Settings.from_environment({"DATABASE_URL": "sqlite://", "SIXGATES_SMTP_HOST": "localhost"}).smtp()
    assert (plain.port, plain.starttls, plain.username) == (25, False, None)
    given = Settings.from_environment({"DATABASE_URL": "sqlite://", "SIXGATES_SMTP_HOST": "localhost",
                                       "SIXGATES_SMTP_PORT": "2525", "SIXGATES_SMTP_STARTTLS": "1"}).smtp()
    assert (given.port, given.starttls) == (2525, True)


@pytest.mark.parametrize("name, value", [("SIXGATES_SMTP_STARTTLS", "yes"), ("SIXGATES_SMTP_PORT", "smtp"),
                                         ("SIXGATES_DUE_SOON_LEAD", "2 days"), ("SIXGATES_DUE_SOON_LEAD", "PT"),
                                         ("SIXGATES_DUE_SOON_LEAD", "PT")])
def test_a_mistyped_mail_or_reminder_setting_stops_start_up_with_its_name(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_environment({"DATABASE_URL": "sqlite://", name: value})


SSO = {"DATABASE_URL": "sqlite://", "SIXGATES_SSO_PROVIDERS": "nhs, uhb-trust",
       "SIXGATES_SSO_NHS_ISSUER": "https://login.microsoftonline.com/tenant/v2.0/",
       "SIXGATES_SSO_NHS_CLIENT_ID": "app-id", "SIXGATES_SSO_NHS_CLIENT_SECRET": "kept in the environment",
       "SIXGATES_SSO_NHS_LABEL": "Sign in with your NHS account", "SIXGATES_SSO_NHS_GROUPS_CLAIM": "roles",
       "SIXGATES_SSO_UHB_TRUST_ISSUER": "http://127.0.0.1:8080", "SIXGATES_SSO_UHB_TRUST_CLIENT_ID": "uhb",
       "SIXGATES_SSO_UHB_TRUST_ORGANISATION": "University Hospitals Birmingham"}


def test_each_identity_provider_is_read_from_its_own_variables():
    nhs, uhb = Settings.from_environment(SSO).sso_providers
    assert (nhs.name, nhs.issuer, nhs.client_id, nhs.client_secret) == (
        "nhs", "https://login.microsoftonline.com/tenant/v2.0", "app-id", "kept in the environment")
    assert (nhs.label, nhs.groups_claim, nhs.scopes, nhs.organisation) == (
        "Sign in with your NHS account", "roles", "openid profile email", None)
    assert (uhb.name, uhb.client_secret, uhb.groups_claim, uhb.organisation, uhb.label) == (
        "uhb-trust", None, "groups", "University Hospitals Birmingham", "Sign in with uhb-trust")
    assert Settings.from_environment(SSO).sso_provider("uhb-trust") == uhb
    assert Settings.from_environment({"DATABASE_URL": "sqlite://"}).sso_providers == ()


@pytest.mark.parametrize("change, named", [
    ({"SIXGATES_SSO_NHS_ISSUER": ""}, "SIXGATES_SSO_NHS_ISSUER"),
    ({"SIXGATES_SSO_NHS_CLIENT_ID": ""}, "SIXGATES_SSO_NHS_CLIENT_ID"),
    ({"SIXGATES_SSO_NHS_ISSUER": "http://idp.example.org"}, "https"),  # tokens in clear across a network
    ({"SIXGATES_SSO_PROVIDERS": "NHS England"}, "not a provider name"),
    ({"SIXGATES_SSO_PROVIDERS": "nhs,nhs"}, "twice"),
])
def test_a_provider_set_up_wrongly_stops_start_up_saying_what_is_wrong(change, named):
    with pytest.raises(ValueError, match=named):
        Settings.from_environment({**SSO, "SIXGATES_SSO_PROVIDERS": "nhs", **change})
