"""Where a site's templates and static files come from: the site's own templates/ and
static/ first, then the default theme's, file by file."""

from __future__ import annotations

from pathlib import Path

from ..config import SiteConfig
from ..errors import ConfigError


def theme_dir() -> Path:
    """The default theme: inside the package when installed, at the repo top in a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_theme"
    return packaged if packaged.is_dir() else package.parent


def template_dirs(config: SiteConfig) -> list[Path]:
    """The site's own templates/ first, so they override the theme's by name."""
    dirs = [config.root / "templates", theme_dir() / "templates"]
    unique = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [d.resolve() for d in unique]:
            unique.append(folder)
    return unique


def static_files(config: SiteConfig) -> dict[str, Path]:
    """Relative name -> file; the site's static/ overrides the theme's file by file."""
    files: dict[str, Path] = {}
    root = config.root.resolve()
    for folder in (theme_dir() / "static", config.root / "static"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    files[path.relative_to(folder).as_posix()] = path
                    if folder.parent == config.root and not config.allow_outside and \
                            root not in path.resolve().parents:  # (a link made since site.yaml was read)
                        raise ConfigError(f"{path}: leads outside the project folder; refusing to "
                                          "publish it (`allow_outside: true` in site.yaml allows it)")
    return dict(sorted(files.items()))
