"""The front-end files Solara needs, served from its own cache so the page works offline.

Solara's page template and components load their JavaScript, CSS and fonts from
``/_solara/cdn/<package>@<version>/<file>``; on a cache miss the server fetches the file
from a public CDN. ``scripts/fetch_solara_assets.py`` (run by ``scripts/setup.sh``) fills
the cache from the npm registry at install time; this module names what must be there
(docs/dev/solara-offline.md) and checks it, so the dashboard can say what is missing
instead of showing a blank page.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["NPM_PACKAGES", "REQUIRED_FILES", "SOLARA_VERSION", "cache_dir", "missing_files"]

# The asset versions below are hard-coded in this Solara release; pyproject pins it exactly.
SOLARA_VERSION = "1.64.1"

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


def cache_dir() -> Path:
    """Solara's CDN-proxy cache: ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or ``<venv>/share/solara/cdn``.

    Read from Solara's settings when Solara is importable, so both always agree.
    """
    try:
        import solara.server.settings as settings

        return Path(settings.assets.proxy_cache_dir)
    except ImportError:  # pragma: no cover - solara is a dependency
        import sys

        return Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR",
                                   Path(sys.prefix) / "share" / "solara" / "cdn"))


def missing_files(folder: Path | None = None) -> list[str]:
    """The required front-end files not in the cache (empty: the page can load offline)."""
    folder = cache_dir() if folder is None else folder
    return [f for f in REQUIRED_FILES if not (folder / f).is_file()]
