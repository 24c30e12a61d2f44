"""Templates: a message's texts per channel and language, with named placeholders.

A template id has immutable versions (services/notify/templates/ID/VERSION.yaml);
notify renders with the highest. The citizen's locale picks the language, and a
locale the template lacks falls back to zh-CN, the city's language. A placeholder
with no value is an error at send time: a message with a hole in it is never sent.
"""

import string
from dataclasses import dataclass
from functools import cached_property

from contracts import formats

DEFAULT_LOCALE = "zh-CN"
CATEGORIES = formats.NOTIFICATION_CATEGORIES
CHANNELS = ("inbox", "sms", "email")


class TemplateError(ValueError):
    """A template that cannot be rendered or loaded: a defect, not bad input."""


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    category: str
    critical: bool
    # {channel: {part: {locale: text}}}, e.g. {"inbox": {"title": {...}, "body": {...}}}
    channels: dict

    @classmethod
    def from_dict(cls, data: dict) -> "Template":
        """A template from its file's content, checked whole before it is used."""
        try:
            template = cls(str(data["id"]), int(data["version"]), str(data["category"]),
                           bool(data.get("critical", False)), dict(data["channels"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateError(f"a template needs id, version, category and channels: "
                                f"{exc}") from None
        template.check()
        return template

    def check(self) -> None:
        where = f"template {self.id} v{self.version}"
        if self.category not in CATEGORIES:
            raise TemplateError(f"{where}: unknown category {self.category}")
        if not self.channels or set(self.channels) - set(CHANNELS):
            raise TemplateError(f"{where}: channels must be some of {', '.join(CHANNELS)}")
        for channel, parts in self.channels.items():
            for part, texts in parts.items():
                if set(texts) != set(formats.LOCALES):
                    raise TemplateError(f"{where}: {channel}.{part} needs exactly "
                                        f"{' and '.join(formats.LOCALES)} texts")
                if len({frozenset(placeholders(text)) for text in texts.values()}) != 1:
                    raise TemplateError(f"{where}: {channel}.{part} has different "
                                        "placeholders in different languages")

    @cached_property
    def needs(self) -> dict[str, frozenset[str]]:
        """The placeholders of each channel, worked out once: render runs per message."""
        return {channel: frozenset(name for texts in parts.values()
                                   for text in texts.values() for name in placeholders(text))
                for channel, parts in self.channels.items()}

    def render(self, channel: str, locale: str, values: dict | None = None) -> dict[str, str]:
        """{part: text} for `channel` in `locale`; TemplateError if a value is missing."""
        if channel not in self.channels:
            raise TemplateError(f"template {self.id} has no {channel} variant")
        values = values or {}
        missing = self.needs[channel] - set(values)
        if missing:
            raise TemplateError(f"template {self.id} v{self.version} needs "
                                f"{', '.join(sorted(missing))} for {channel}")
        language = self.language_for(locale)
        return {part: texts[language].format_map(values)
                for part, texts in self.channels[channel].items()}

    def language_for(self, locale: str) -> str:
        """The language a citizen with `locale` is written to in."""
        return locale if locale in formats.LOCALES else DEFAULT_LOCALE


def placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]
