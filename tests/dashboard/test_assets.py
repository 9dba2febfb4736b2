"""Fetching the dashboard's front-end files without npm, verified, from small fake tarballs.

No test here touches the internet: the pinned table is replaced by tarballs written to
``tmp_path`` and served through ``file://`` URLs (or a closed port on 127.0.0.1).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import signal
import socket
import tarfile
from pathlib import Path

import pytest

from thuisplus.dashboard import assets, server
from thuisplus.dashboard.assets import (
    ENV_ASSETS_DIR,
    NPM_PACKAGES,
    REQUIRED_FILES,
    TARBALLS,
    AssetError,
    NpmTarball,
    cache_dir,
    default_dir,
    fetch_assets,
    missing_files,
)


def _sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _tgz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _package_files(spec: str) -> dict[str, bytes]:
    """An npm-like tarball's members for ``spec``: its required files under ``package/``."""
    files = {"package/package.json": b'{"name": "fake"}'}
    for f in REQUIRED_FILES:
        if f.startswith(spec + "/"):
            files["package/" + f[len(spec) + 1:]] = f"/* {f} */".encode()
    return files


@pytest.fixture()
def fake_registry(tmp_path, monkeypatch):
    """The pinned table, pointed at small local tarballs with their true hashes.

    Returns ``{spec: Path of the .tgz}``; the files can be rewritten to tamper with them.
    """
    folder = tmp_path / "registry"
    folder.mkdir()
    table, paths = [], {}
    for t in TARBALLS:
        data = _tgz(_package_files(t.spec))
        path = folder / f"{t.name.rsplit('/', 1)[-1]}-{t.version}.tgz"
        path.write_bytes(data)
        paths[t.spec] = path
        table.append(NpmTarball(t.name, t.version, path.as_uri(), _sri(data)))
    monkeypatch.setattr(assets, "TARBALLS", tuple(table))
    return paths


@pytest.fixture()
def no_user_cache(tmp_path, monkeypatch):
    """No ``THUISPLUS_ASSETS_DIR``, an empty user cache and an empty Solara cache in tmp."""
    import platformdirs

    monkeypatch.delenv(ENV_ASSETS_DIR, raising=False)
    user = tmp_path / "user-cache"
    solara_dir = tmp_path / "solara-cdn"
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(user))
    monkeypatch.setattr(assets, "_solara_cache_dir", lambda: solara_dir)
    return user, solara_dir


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")) if folder.exists() else []


# --- the pinned table ------------------------------------------------------------------------
def test_pinned_table_covers_exactly_the_npm_packages():
    assert [t.spec for t in TARBALLS] == list(NPM_PACKAGES)
    for f in REQUIRED_FILES:
        assert any(f.startswith(t.spec + "/") for t in TARBALLS), f


def test_pinned_hashes_are_sha512_sri_and_urls_are_the_registry_tarballs():
    for t in TARBALLS:
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", t.integrity), t.spec
        assert len(base64.b64decode(t.integrity.removeprefix("sha512-"))) == 64
        basename = t.name.rsplit("/", 1)[-1]
        assert t.url == f"https://registry.npmjs.org/{t.name}/-/{basename}-{t.version}.tgz"
    assert len({t.integrity for t in TARBALLS}) == len(TARBALLS)


# --- fetching --------------------------------------------------------------------------------
def test_good_tarballs_are_verified_and_unpacked_in_place(fake_registry, tmp_path):
    target = tmp_path / "cdn"
    assert missing_files(target) == list(REQUIRED_FILES)
    lines: list[str] = []
    assert fetch_assets(target, progress=lines.append) == target
    assert missing_files(target) == []
    assert (target / "@widgetti/solara-vuetify-app@10.1.1/package.json").is_file()
    assert (target / "katex@0.16.9/dist/katex.min.js").read_bytes() == (
        b"/* katex@0.16.9/dist/katex.min.js */")
    # no work folders or tarballs left beside the packages
    assert sorted(p.name for p in target.iterdir()) == sorted(
        {spec.split("/")[0] for spec in NPM_PACKAGES})
    assert any("katex@0.16.9" in line for line in lines)


def test_a_tampered_tarball_is_refused_and_nothing_is_left(fake_registry, tmp_path):
    target = tmp_path / "cdn"
    good = fake_registry["requirejs@2.3.6"]
    pinned = next(t.integrity for t in assets.TARBALLS if t.spec == "requirejs@2.3.6")
    bad = _tgz({**_package_files("requirejs@2.3.6"), "package/evil.js": b"alert(1)"})
    good.write_bytes(bad)
    with pytest.raises(AssetError) as info:
        fetch_assets(target)
    msg = str(info.value)
    assert "requirejs@2.3.6" in msg
    assert pinned in msg and _sri(bad) in msg
    assert not (target / "requirejs@2.3.6").exists()
    assert not list(target.glob(".fetching-*"))
    assert not list(target.rglob("evil.js"))
    assert not list(target.rglob("*.tgz"))


def test_a_tampered_tarball_leaves_an_existing_package_alone(fake_registry, tmp_path):
    target = tmp_path / "cdn"
    fetch_assets(target)
    before = _files_under(target)
    fake_registry["katex@0.16.9"].write_bytes(_tgz({"package/other.js": b"x"}))
    with pytest.raises(AssetError, match=re.escape("katex@0.16.9")):
        fetch_assets(target, force=True)
    assert _files_under(target) == before
    assert missing_files(target) == []


def test_a_tarball_escaping_its_folder_is_refused(tmp_path, monkeypatch):
    data = _tgz({"../../escaped.js": b"x", "package/require.js": b"x"})
    path = tmp_path / "requirejs-2.3.6.tgz"
    path.write_bytes(data)
    monkeypatch.setattr(assets, "TARBALLS", (
        NpmTarball("requirejs", "2.3.6", path.as_uri(), _sri(data)),))
    target = tmp_path / "deep" / "cdn"
    with pytest.raises(AssetError, match=re.escape("requirejs@2.3.6")):
        fetch_assets(target)
    assert not list(tmp_path.rglob("escaped.js"))
    assert _files_under(target) == []


def test_an_unreachable_registry_says_what_to_do(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on: refused at once, on this machine
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/katex/-/katex-0.16.9.tgz"
    monkeypatch.setattr(assets, "TARBALLS", (
        NpmTarball("katex", "0.16.9", url, "sha512-" + "A" * 86 + "=="),))
    target = tmp_path / "cdn"
    with pytest.raises(AssetError) as info:
        fetch_assets(target)
    msg = str(info.value)
    assert url in msg
    assert "needs access to registry.npmjs.org" in msg
    assert ENV_ASSETS_DIR in msg and "copy" in msg
    assert _files_under(target) == []


def test_a_missing_file_url_is_an_asset_error(tmp_path, monkeypatch):
    url = (tmp_path / "nowhere.tgz").as_uri()
    monkeypatch.setattr(assets, "TARBALLS", (
        NpmTarball("katex", "0.16.9", url, "sha512-" + "A" * 86 + "=="),))
    with pytest.raises(AssetError, match=re.escape("registry.npmjs.org")):
        fetch_assets(tmp_path / "cdn")


def test_complete_packages_are_not_downloaded_again(fake_registry, tmp_path, monkeypatch):
    target = tmp_path / "cdn"
    fetch_assets(target)
    (target / "mermaid@10.8.0/dist/mermaid.min.js").unlink()
    fetched: list[str] = []
    real = assets._download

    def download(url, dest):
        fetched.append(url)
        return real(url, dest)

    monkeypatch.setattr(assets, "_download", download)
    fetch_assets(target)
    assert fetched == [t.url for t in assets.TARBALLS if t.spec == "mermaid@10.8.0"]
    assert missing_files(target) == []
    fetched.clear()
    fetch_assets(target)
    assert fetched == []
    fetch_assets(target, force=True)
    assert len(fetched) == len(NPM_PACKAGES)


# --- where the files live --------------------------------------------------------------------
def test_the_env_variable_is_honoured(fake_registry, tmp_path, monkeypatch, no_user_cache):
    chosen = tmp_path / "chosen"
    monkeypatch.setenv(ENV_ASSETS_DIR, str(chosen))
    assert default_dir() == chosen
    assert cache_dir() == chosen  # even before anything is there
    assert fetch_assets() == chosen
    assert missing_files() == []
    user, _ = no_user_cache
    assert not user.exists()


def test_the_user_cache_is_the_default(fake_registry, no_user_cache):
    user, _ = no_user_cache
    want = user / "solara-cdn" / f"solara-{assets.SOLARA_VERSION}"
    assert default_dir() == want
    assert cache_dir() == want
    assert fetch_assets() == want
    assert missing_files() == []


def test_a_complete_solara_cache_is_used_as_it_is(fake_registry, no_user_cache, monkeypatch):
    user, solara_dir = no_user_cache
    fetch_assets(solara_dir)
    assert cache_dir() == solara_dir

    def no_download(url, dest):
        raise AssertionError(f"downloaded {url}")

    monkeypatch.setattr(assets, "_download", no_download)
    assert fetch_assets() == solara_dir
    assert not user.exists()


# --- the server ------------------------------------------------------------------------------
def test_server_env_points_solara_at_the_files(tmp_path, monkeypatch):
    env = server.server_env(tmp_path / "p.toml", "x", tmp_path / "cdn")
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path / "cdn")
    monkeypatch.setenv(ENV_ASSETS_DIR, str(tmp_path / "elsewhere"))
    env = server.server_env(tmp_path / "p.toml", "x")
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path / "elsewhere")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_serve_without_the_files_says_to_fetch_them(tmp_path, monkeypatch, capsys):
    from thuisplus.sim.params import Parameters

    monkeypatch.setenv(ENV_ASSETS_DIR, str(tmp_path / "empty"))
    monkeypatch.setattr(server, "save_parameters", None)  # must not get that far
    with pytest.raises(SystemExit) as info:
        server.serve(Parameters(), host="127.0.0.1", port=1, label="x")
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "thuisplus dashboard --fetch-assets" in err
    assert str(tmp_path / "empty") in err and "katex@0.16.9/dist/katex.min.js" in err


def test_serve_with_fetch_reports_a_failed_download(tmp_path, monkeypatch, capsys):
    from thuisplus.sim.params import Parameters

    def failing(**kwargs):
        raise AssetError("could not download X: needs access to registry.npmjs.org")

    monkeypatch.setattr(server, "fetch_assets", failing)
    monkeypatch.setattr(server, "save_parameters", None)
    with pytest.raises(SystemExit) as info:
        server.serve(Parameters(), host="127.0.0.1", port=1, label="x", fetch=True)
    assert info.value.code == 1
    assert "needs access to registry.npmjs.org" in capsys.readouterr().err


def test_signal_handlers_without_sighup(monkeypatch):
    monkeypatch.delattr(signal, "SIGHUP")
    before = signal.getsignal(signal.SIGTERM)
    restore = server._stop_on_signals()
    try:
        handler = signal.getsignal(signal.SIGTERM)
        assert handler is not before and callable(handler)
        with pytest.raises(KeyboardInterrupt):
            handler(signal.SIGTERM, None)
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) is before


def test_signal_handlers_with_sighup_are_restored():
    if not hasattr(signal, "SIGHUP"):
        pytest.skip("no SIGHUP on this platform")
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    restore = server._stop_on_signals()
    try:
        assert signal.getsignal(signal.SIGHUP) is not before[signal.SIGHUP]
    finally:
        restore()
    assert {s: signal.getsignal(s) for s in before} == before
