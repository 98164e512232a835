"""The challenge areas as typed, immutable data loaded from a TOML file.

Nothing else in the package names the four areas: every area code comes from a `Taxonomy`, so another
region's areas can be swapped in by passing another file of the same shape.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ecs_tagger.errors import TaxonomyError

_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Area:
    """One challenge area: a concept with a preferred label per language and alternative labels."""

    code: str
    name_sv: str
    name_en: str
    description_sv: str
    description_en: str
    alt_labels: tuple[str, ...] = ()

    def label(self, language: str = "sv") -> str:
        """Preferred label in `language` ("sv" or "en"; other languages get the Swedish label)."""
        return self.name_en if language == "en" else self.name_sv

    def description(self, language: str = "sv") -> str:
        """Description in `language` ("sv" or "en")."""
        return self.description_en if language == "en" else self.description_sv


@dataclass(frozen=True)
class Taxonomy:
    """An ordered, immutable set of areas; the order is the order of tags in every output."""

    name: str
    version: str
    areas: tuple[Area, ...]
    region: str = ""

    def __post_init__(self) -> None:
        if not self.areas:
            raise TaxonomyError(f"taxonomy '{self.name}' has no areas")
        codes = [area.code for area in self.areas]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise TaxonomyError(
                f"taxonomy '{self.name}' repeats area codes: {', '.join(duplicates)}"
            )
        for code in codes:
            if not _CODE_PATTERN.match(code):
                raise TaxonomyError(
                    f"area code {code!r} in taxonomy '{self.name}' must be lower-case letters, "
                    "digits or '_', starting with a letter (it becomes a column name)"
                )

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(area.code for area in self.areas)

    def __len__(self) -> int:
        return len(self.areas)

    def __iter__(self) -> Iterator[Area]:
        return iter(self.areas)

    def __getitem__(self, code: str) -> Area:
        for area in self.areas:
            if area.code == code:
                return area
        raise KeyError(
            f"no area {code!r} in taxonomy '{self.name}' (areas: {', '.join(self.codes)})"
        )

    def index(self, code: str) -> int:
        return self.codes.index(self[code].code)

    def validate_codes(
        self, codes: list[str] | tuple[str, ...], where: str = ""
    ) -> tuple[str, ...]:
        """Return `codes` in taxonomy order, or raise naming the unknown ones (and `where`)."""
        unknown = sorted(set(codes) - set(self.codes))
        if unknown:
            place = f" in {where}" if where else ""
            raise TaxonomyError(
                f"unknown area code(s) {', '.join(map(repr, unknown))}{place}; "
                f"taxonomy '{self.name}' has {', '.join(self.codes)}"
            )
        return tuple(code for code in self.codes if code in set(codes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "region": self.region,
            "area": [{**asdict(area), "alt_labels": list(area.alt_labels)} for area in self.areas],
        }

    @property
    def fingerprint(self) -> str:
        """Short hash of the name and the area codes: models are bound to it."""
        key = json.dumps({"name": self.name, "codes": list(self.codes)}, ensure_ascii=False)
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> Taxonomy:
        try:
            raw_areas = data["area"]
            areas = tuple(
                Area(
                    code=str(item["code"]),
                    name_sv=str(item["name_sv"]),
                    name_en=str(item.get("name_en", item["name_sv"])),
                    description_sv=str(item.get("description_sv", "")).strip(),
                    description_en=str(item.get("description_en", "")).strip(),
                    alt_labels=tuple(str(label) for label in item.get("alt_labels", ())),
                )
                for item in raw_areas
            )
            return cls(
                name=str(data["name"]),
                version=str(data.get("version", "1")),
                areas=areas,
                region=str(data.get("region", "")),
            )
        except (KeyError, TypeError) as error:
            raise TaxonomyError(
                f"{source}: malformed taxonomy, missing or wrong field {error}"
            ) from None

    @classmethod
    def from_file(cls, path: str | Path) -> Taxonomy:
        path = Path(path)
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle) if path.suffix == ".toml" else json.load(handle)
        except FileNotFoundError:
            raise TaxonomyError(f"taxonomy file not found: {path}") from None
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            raise TaxonomyError(f"{path}: cannot parse taxonomy: {error}") from None
        return cls.from_dict(data, source=str(path))

    def to_toml(self) -> str:
        """Serialise as TOML (the format of the packaged default)."""
        lines = [f"name = {_toml_str(self.name)}", f"version = {_toml_str(self.version)}"]
        lines.append(f"region = {_toml_str(self.region)}")
        for area in self.areas:
            lines += ["", "[[area]]"]
            for key in ("code", "name_sv", "name_en", "description_sv", "description_en"):
                lines.append(f"{key} = {_toml_str(getattr(area, key))}")
            labels = ", ".join(_toml_str(label) for label in area.alt_labels)
            lines.append(f"alt_labels = [{labels}]")
        return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def default_taxonomy() -> Taxonomy:
    """The four areas of East Central Sweden, shipped inside the package."""
    source = resources.files("ecs_tagger") / "data" / "taxonomy.toml"
    with source.open("rb") as handle:
        return Taxonomy.from_dict(tomllib.load(handle), source="ecs_tagger/data/taxonomy.toml")
