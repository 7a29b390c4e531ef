"""Build a Dock site: a static catalog any web server can serve.

``build_site(catalog, out, key)`` reads ``catalog.json`` (title, description, publisher) and
``integrations/*.json`` (one manifest each), checks every manifest, and writes::

    index.html                     search and filter by category (plain HTML without JS)
    integrations/<id>.html         what it does, actions, secrets, policies, install, import
    manifests/<id>.json(.sig)      the manifest and its detached signature
    index.json(.sig)               every manifest with its SHA-256, signed
    publisher.pub                  the publisher's public key (ed25519:<base64>)
    static/dock.css, dock.js       no CDN: everything is served from the site itself
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from pydantic import ValidationError

from harbor.contracts import DockIndex, DockIndexEntry, DockManifest, DockPublisher, Model
from harbor.dock.manifests import load_json, parse_manifest
from harbor.dock.signing import key_id, public_key_text, write_signed
from harbor.errors import ConfigError, HarborError

CATALOG_FILE = "catalog.json"
INTEGRATIONS_DIR = "integrations"
DEFAULT_NODE = "http://127.0.0.1:8765"
STATIC_DIR = Path(__file__).parent / "static"


class SiteInfo(Model):
    """``catalog.json``: how the site presents itself."""

    title: str = "Harbor Dock"
    description: str = "Integrations for Harbor."
    publisher: DockPublisher


@dataclass(frozen=True)
class BuiltSite:
    """What a build wrote."""

    out: Path
    manifests: list[str]
    public_key: str


def read_catalog(catalog: Path) -> tuple[SiteInfo, list[DockManifest]]:
    """The site's description and every manifest, each checked; errors name the file."""
    info_path = catalog / CATALOG_FILE
    if not info_path.is_file():
        raise ConfigError(f"{info_path} is missing: it names the catalog's title and publisher")
    try:
        info = SiteInfo.model_validate(json.loads(info_path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as err:
        raise ConfigError(f"{info_path} is not a valid catalog description: {err}") from err
    files = sorted((catalog / INTEGRATIONS_DIR).glob("*.json"))
    if not files:
        raise ConfigError(f"no manifests in {catalog / INTEGRATIONS_DIR}")
    manifests = []
    for path in files:
        try:
            manifest = parse_manifest(load_json(path.read_bytes(), "manifest", 1 << 20))
        except HarborError as err:
            raise ConfigError(f"{path}: {err.detail}") from err
        if manifest.id != path.stem:
            raise ConfigError(
                f"{path}: the manifest's id is '{manifest.id}'; name the file {manifest.id}.json"
            )
        manifests.append(manifest)
    return info, manifests


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("harbor.dock", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_markdown(text: str) -> Markup:
    """Manifest Markdown as HTML; raw HTML in the Markdown is escaped, never passed through."""
    return Markup(MarkdownIt("commonmark", {"html": False}).render(text))  # noqa: S704


def build_site(
    catalog: Path, out: Path, key: Ed25519PrivateKey, base_url: str | None = None
) -> BuiltSite:
    """Check the catalog and write the static site into ``out``."""
    info, manifests = read_catalog(catalog)
    public_key = public_key_text(key.public_key())
    for folder in ("integrations", "manifests", "static"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    entries = [_write_manifest(out, manifest, key) for manifest in manifests]
    index = DockIndex(publisher=info.publisher, public_key=public_key, integrations=entries)
    write_signed(out / "index.json", index.model_dump(mode="json"), key)
    (out / "publisher.pub").write_text(public_key + "\n", encoding="ascii")
    for asset in STATIC_DIR.iterdir():
        shutil.copyfile(asset, out / "static" / asset.name)
    _render_pages(out, info, manifests, public_key, base_url)
    return BuiltSite(out=out, manifests=[m.id for m in manifests], public_key=public_key)


def _write_manifest(out: Path, manifest: DockManifest, key: Ed25519PrivateKey) -> DockIndexEntry:
    path = out / "manifests" / f"{manifest.id}.json"
    write_signed(path, manifest.model_dump(mode="json", exclude_none=True), key)
    return DockIndexEntry(
        id=manifest.id,
        name=manifest.name,
        version=manifest.version,
        summary=manifest.summary,
        categories=manifest.categories,
        icon=manifest.icon,
        connector=manifest.connector.type,
        manifest=f"manifests/{manifest.id}.json",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _render_pages(
    out: Path,
    info: SiteInfo,
    manifests: list[DockManifest],
    public_key: str,
    base_url: str | None,
) -> None:
    env = _environment()
    common: dict[str, Any] = {
        "site": info,
        "key_id": key_id(public_key),
        "public_key": public_key,
        "default_node": DEFAULT_NODE,
    }
    categories = sorted({c for m in manifests for c in m.categories})
    page = env.get_template("index.html").render(
        root="", manifests=manifests, categories=categories, **common
    )
    (out / "index.html").write_text(page, encoding="utf-8")
    detail = env.get_template("integration.html")
    for manifest in manifests:
        manifest_url = (
            f"{base_url.rstrip('/')}/manifests/{manifest.id}.json"
            if base_url
            else f"<this site>/manifests/{manifest.id}.json"
        )
        page = detail.render(
            root="../",
            m=manifest,
            manifest_url=manifest_url,
            import_href=f"{DEFAULT_NODE}/dock/import?url={quote(manifest_url, safe='')}"
            if base_url
            else f"../manifests/{manifest.id}.json",
            description_html=render_markdown(manifest.description),
            config_json=json.dumps(manifest.port.config, indent=2, ensure_ascii=False),
            **common,
        )
        (out / "integrations" / f"{manifest.id}.html").write_text(page, encoding="utf-8")
