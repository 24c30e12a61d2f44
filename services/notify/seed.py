"""The templates `cityhub seed` loads from services/notify/templates/ID/VERSION.yaml.

A released version never changes: a file whose stored version differs is refused,
so a text is changed only by adding the next version (templates/README.md).
"""

import json
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.notify.domain.templates import Template, TemplateError
from services.notify.models import Template as TemplateRow

TEMPLATE_DIR = Path(__file__).parent / "templates"


def template_files(folder: Path = TEMPLATE_DIR) -> list[Template]:
    """Every template version in the repository, checked."""
    found = []
    for path in sorted(folder.glob("*/*.yaml")):
        template = Template.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))
        if (template.id, str(template.version)) != (path.parent.name, path.stem):
            raise TemplateError(f"{path} must hold template {path.parent.name} "
                                f"version {path.stem}")
        found.append(template)
    return found


def seed(session: Session, folder: Path = TEMPLATE_DIR) -> int:
    templates = template_files(folder)
    for template in templates:
        channels = json.dumps(template.channels, sort_keys=True, ensure_ascii=False)
        stored = session.get(TemplateRow, (template.id, template.version))
        if stored is None:
            session.add(TemplateRow(id=template.id, version=template.version,
                                    category=template.category, critical=template.critical,
                                    channels=channels))
        elif (stored.category, stored.critical, stored.channels) != (
                template.category, template.critical, channels):
            raise TemplateError(f"template {template.id} version {template.version} was "
                                "changed after its release: add version "
                                f"{template.version + 1} instead")
    return len(templates)
