"""The front-end files Solara needs, fetched once and served locally so the page works offline.

Solara's page template and components load their JavaScript, CSS and fonts from
``/_solara/cdn/<package>@<version>/<file>``; the server answers those requests from its
CDN-proxy cache folder and, on a miss, fetches the file from a public CDN. :func:`fetch_assets`
fills such a folder once from the public npm registry (no Node.js or npm needed): it downloads
the pinned tarballs in :data:`TARBALLS`, checks each against its pinned sha512 before
unpacking, and unpacks it into ``<folder>/<package>@<version>/``. The dashboard server is then
pointed at that folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``, set by
:func:`thuisplus.dashboard.server.server_env`).

The folder is ``$THUISPLUS_ASSETS_DIR`` when set, else a user cache folder,
``<user cache>/thuisplus/solara-cdn/solara-<SOLARA_VERSION>`` (see :func:`default_dir`).
A Solara cache that is already complete (e.g. ``<venv>/share/solara/cdn`` in a development
venv filled by an older setup) is used too. See docs/dev/solara-offline.md.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ENV_ASSETS_DIR",
    "NPM_PACKAGES",
    "REQUIRED_FILES",
    "SOLARA_VERSION",
    "TARBALLS",
    "AssetError",
    "NpmTarball",
    "cache_dir",
    "default_dir",
    "fetch_assets",
    "missing_files",
    "missing_message",
]

# The asset versions below are hard-coded in this Solara release; pyproject pins it exactly.
SOLARA_VERSION = "1.64.1"

# Where the files are kept, when set (a folder; it need not exist yet).
ENV_ASSETS_DIR = "THUISPLUS_ASSETS_DIR"

REGISTRY_HOST = "registry.npmjs.org"

# What solara 1.64.1's page and components ask for under /_solara/cdn/ with ipyvue < 2.
# Each entry is the path prefix the browser requests, which is also the npm spec.
NPM_PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",  # the page: app bundle, css, fonts
    "requirejs@2.3.6",  # the page (require.js) and solara.Markdown (require.min.js)
    "font-awesome@4.5.0",  # icons
    "mermaid@10.8.0",  # loaded by every solara.Markdown
    "katex@0.16.9",  # loaded by every solara.Markdown (missing from solara-assets 1.58.2)
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",  # solara.GridDraggable (Mesa's SolaraViz)
)

# One file per package that the page really loads: present means the package is unpacked.
REQUIRED_FILES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css",
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
    "mermaid@10.8.0/dist/mermaid.min.js",
    "katex@0.16.9/dist/katex.min.js",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js",
)


@dataclass(frozen=True)
class NpmTarball:
    """One npm package's tarball: where it is and the sha512 it must have (npm's SRI)."""

    name: str
    version: str
    url: str
    integrity: str  # "sha512-<base64 of the digest>", the registry's dist.integrity

    @property
    def spec(self) -> str:
        """``name@version``: the path prefix the page asks for and the folder it goes in."""
        return f"{self.name}@{self.version}"


def _registry_url(name: str, version: str) -> str:
    basename = name.rsplit("/", 1)[-1]  # "@scope/pkg" -> "pkg"
    return f"https://{REGISTRY_HOST}/{name}/-/{basename}-{version}.tgz"


def _tarball(name: str, version: str, integrity: str) -> NpmTarball:
    return NpmTarball(name, version, _registry_url(name, version), integrity)


# The registry's dist.integrity of each tarball, checked against a download of it
# (sha512 of the bytes) when it was pinned. Change together with NPM_PACKAGES.
TARBALLS: tuple[NpmTarball, ...] = (
    _tarball("@widgetti/solara-vuetify-app", "10.1.1",
             "sha512-Cdu6G7KIBeohT2jyeQUEDr61dhEozY23St+iDwfA3+ZyPZyoIza/nS4W2g8+dbs0Xhb+WQnX"
             "laRI92TLgeY/Jw=="),
    _tarball("requirejs", "2.3.6",
             "sha512-ipEzlWQe6RK3jkzikgCupiTbTvm4S0/CAU5GlgptkN5SO6F3u0UD0K18wy6ErDqiCyP4J4YY"
             "e1HuAShvsxePLg=="),
    _tarball("font-awesome", "4.5.0",
             "sha512-XGGY8CN/NT8e5fKOC/K7CESNQ3+2oYOfZqwZcKgEMtcmTiHtFIH+XZWRoU0HtcdwhtSkpWXL"
             "fTIUlTdJ4PhX8A=="),
    _tarball("mermaid", "10.8.0",
             "sha512-9CzfSreRjdDJxX796+jW4zjEq0DVw5xVF0nWsqff8OTbrt+ml0TZ5PyYUjjUZJa2NYxYJZZX"
             "ewEquxGiM8qZEA=="),
    _tarball("katex", "0.16.9",
             "sha512-fsSYjWS0EEOwvy81j3vRA8TEAhQhKiqO+FQaKWp0m39qwOzHVBgAUBIXWj1pB+O2W3fIpNa6"
             "Y9KSKCVbfPhyAQ=="),
    _tarball("@widgetti/vue-grid-layout", "2.3.13-alpha.2",
             "sha512-zCPKe2r09eLUDl1NcdL66oPELDsbC07Z2xejPiQpPbE8hLITcr0DHvPEdL5UITQQilordKJw"
             "cxJXDE/QWo/KUA=="),
)

DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 20


class AssetError(RuntimeError):
    """The front-end files could not be fetched, verified or unpacked (the message says why)."""


def default_dir() -> Path:
    """Where :func:`fetch_assets` puts the files: ``$THUISPLUS_ASSETS_DIR`` or the user cache.

    The user cache is ``<user cache>/thuisplus/solara-cdn/solara-<version>`` (platformdirs)
    (e.g. ``~/.cache/thuisplus/solara-cdn/solara-1.64.1`` on Linux), one per Solara version
    because the file list depends on it.
    """
    env = os.environ.get(ENV_ASSETS_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    cache = Path(platformdirs.user_cache_dir("thuisplus", appauthor=False))
    return cache / "solara-cdn" / f"solara-{SOLARA_VERSION}"


def _solara_cache_dir() -> Path | None:
    """Solara's own CDN-proxy cache (``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or the venv's)."""
    try:
        import solara.server.settings as settings
    except ImportError:  # pragma: no cover - solara is a dependency of the dashboard extra
        return None
    return Path(settings.assets.proxy_cache_dir)


def cache_dir() -> Path:
    """The folder the dashboard server serves the front-end files from.

    ``$THUISPLUS_ASSETS_DIR`` when set (complete or not); else the user cache
    (:func:`default_dir`) when it is complete; else Solara's own cache when that is complete
    (a development venv filled by an older setup); else the user cache, where
    :func:`fetch_assets` will put them.
    """
    canonical = default_dir()
    if os.environ.get(ENV_ASSETS_DIR, "").strip() or not missing_files(canonical):
        return canonical
    solara_dir = _solara_cache_dir()
    if solara_dir is not None and not missing_files(solara_dir):
        return solara_dir
    return canonical


def missing_files(folder: Path | None = None) -> list[str]:
    """The required front-end files not in ``folder`` (default :func:`cache_dir`).

    Empty: the page can load offline.
    """
    folder = cache_dir() if folder is None else Path(folder)
    return [f for f in REQUIRED_FILES if not (folder / f).is_file()]


def missing_message(folder: Path, missing: list[str]) -> str:
    """What to tell a user whose front-end files are missing: which, and how to get them."""
    return (f"the dashboard's front-end files are missing from {folder}:\n  "
            + "\n  ".join(missing)
            + "\nRun 'thuisplus dashboard --fetch-assets' once to download them (about 24 MB "
              f"from {REGISTRY_HOST}; checked against pinned hashes), or point "
              f"{ENV_ASSETS_DIR} at a folder fetched on another machine.")


def _complete(folder: Path, spec: str) -> bool:
    return all((folder / f).is_file() for f in REQUIRED_FILES if f.startswith(spec + "/"))


def _sri_sha512(digest: bytes) -> str:
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _offline_help(url: str, reason: object) -> str:
    return (f"could not download {url}: {reason}\n"
            f"The dashboard's front-end files are fetched once from the npm registry: this "
            f"machine needs access to {REGISTRY_HOST} once (https; a proxy is used when "
            "HTTPS_PROXY is set). Without it, run 'thuisplus dashboard --fetch-assets' on a "
            f"machine that has access, with {ENV_ASSETS_DIR} set to an empty folder, copy that "
            f"folder here and set {ENV_ASSETS_DIR} to it (or copy it to {default_dir()}).")


def _download(url: str, dest: Path) -> str:
    """Download ``url`` to the file ``dest``; return the SRI sha512 of the bytes."""
    h = hashlib.sha512()
    try:
        response = urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise AssetError(_offline_help(url, exc)) from exc
    with response, dest.open("wb") as out:
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise AssetError(_offline_help(url, exc)) from exc
            if not chunk:
                break
            h.update(chunk)
            out.write(chunk)
    return _sri_sha512(h.digest())


def _install(tarball: NpmTarball, root: Path, work: Path) -> None:
    """Download, verify and unpack one package into ``root/spec``, using the folder ``work``.

    ``work`` is beside the target (same file system), so the unpacked package is moved into
    place by a rename; a failure before that leaves ``root/spec`` as it was.
    """
    tgz = work / "package.tgz"
    actual = _download(tarball.url, tgz)
    if actual != tarball.integrity:
        raise AssetError(
            f"{tarball.spec}: the file downloaded from {tarball.url} does not have the pinned "
            f"hash (expected {tarball.integrity}, got {actual}); nothing was unpacked. "
            "A proxy or mirror may have altered it; try again, or fetch on another machine.")
    unpacked = work / "unpacked"
    unpacked.mkdir()
    try:
        with tarfile.open(tgz, "r:gz") as tf:
            tf.extractall(unpacked, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise AssetError(f"{tarball.spec}: could not unpack {tarball.url}: {exc}") from exc
    tops = list(unpacked.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        raise AssetError(f"{tarball.spec}: unexpected layout of {tarball.url} (want one top "
                         f"folder, found {sorted(p.name for p in tops)})")
    target = root / tarball.spec
    target.parent.mkdir(parents=True, exist_ok=True)
    old = work / "old"
    if target.exists():  # incomplete, or force: swap it out, then throw it away
        target.rename(old)
    try:
        tops[0].rename(target)
    except OSError:
        if old.exists() and not target.exists():
            old.rename(target)
        raise


def fetch_assets(target: Path | None = None, *, force: bool = False,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Download the dashboard's front-end files from the npm registry; return their folder.

    ``target`` defaults to :func:`default_dir` (``$THUISPLUS_ASSETS_DIR`` or the user
    cache); with no ``target`` and nothing missing in :func:`cache_dir`, nothing is fetched.
    Packages whose required files are all present are skipped unless ``force``. Each tarball
    is checked against its pinned sha512 before it is unpacked, and unpacked beside the
    target and renamed into place, so a failure leaves no half-unpacked package.
    ``progress`` gets one line of text per step.

    Raises :class:`AssetError` when a download fails (offline, HTTP error), a hash does not
    match or a tarball cannot be unpacked; its message names the package or URL.
    """
    say = progress or (lambda _msg: None)
    if target is None:
        current = cache_dir()
        if not force and not missing_files(current):
            say(f"front-end files: complete in {current}")
            return current
        target = default_dir()
    root = Path(target)
    todo = [t for t in TARBALLS if force or not _complete(root, t.spec)]
    if not todo:
        say(f"front-end files: complete in {root}")
        return root
    say(f"front-end files: fetching {len(todo)} package(s) from {REGISTRY_HOST} into {root}")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssetError(f"cannot create the folder {root}: {exc}") from exc
    for tarball in todo:
        say(f"  {tarball.spec}")
        try:
            work = Path(tempfile.mkdtemp(prefix=".fetching-", dir=root))
        except OSError as exc:
            raise AssetError(f"cannot write in {root}: {exc}") from exc
        try:
            _install(tarball, root, work)
        except OSError as exc:
            raise AssetError(f"{tarball.spec}: could not store it in {root}: {exc}") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
    still = missing_files(root)
    if still:
        raise AssetError(f"after fetching, files are still missing from {root}: "
                         + ", ".join(still))
    say(f"front-end files: complete in {root}")
    return root
