"""The registry on a database server (issue 30): the URL, loaders at once, kills, roles."""

from __future__ import annotations

import json

import pytest
from registry_engines import pg_server, registry_engine  # noqa: F401
from test_registry import cli, uploads  # noqa: F401

from escape_desktop.registry.store import REGISTRY_URL_ENV


def test_the_server_url_may_come_from_the_environment(
    uploads,  # noqa: F811
    registry_engine,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
):
    if registry_engine.server is None:
        pytest.skip("about a server registry's URL")
    url = registry_engine.url_for(tmp_path / "by-env")
    monkeypatch.setenv(REGISTRY_URL_ENV, url)
    from escape_desktop.cli import main

    assert main(["registry", "add", "--data-dir", str(tmp_path / "c"), str(uploads["HIL02"])]) == 0
    capsys.readouterr()
    assert main(["registry", "sites", "--json", "--data-dir", str(tmp_path / "c")]) == 0
    assert [s["code"] for s in json.loads(capsys.readouterr().out)] == ["HIL02"]
    assert not (tmp_path / "c" / "registry.db").exists()  # nothing went into a SQLite file


def test_an_unreachable_server_or_a_url_that_is_not_one_is_one_sentence(
    uploads,  # noqa: F811
    tmp_path,
    capsys,
):
    from escape_desktop.cli import main

    base = ["registry", "sites", "--data-dir", str(tmp_path / "r")]
    for url, word in (
        ("postgresql+psycopg://nobody@127.0.0.1:1/registry", "Cannot reach"),
        ("postgresql+psycopg://x@host:port/z", "not one"),
        ("mysql://x@y/z", "registry URL"),
    ):
        code = main([*base, "--url", url])
        err = capsys.readouterr().err
        assert code != 0 and word in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
