"""Notify's rules: which message a citizen gets for which event, in their language."""

import uuid
from dataclasses import dataclass

DEFAULT_LOCALE = "zh-CN"

# (title, body) per message kind and locale.
TEMPLATES = {
    "welcome": {
        "zh-CN": ("欢迎使用城市服务", "您已成功注册城市服务。完成实名认证后即可缴费和预约。"),
        "en": ("Welcome to City Services",
               "You are registered with City Services. Verify your identity to pay fees "
               "and book appointments."),
    },
    "real_name_locked": {
        "zh-CN": ("实名认证已暂停", "24 小时内实名认证失败次数过多，请稍后再试。"),
        "en": ("Identity check paused",
               "Too many failed identity checks in 24 hours. Please try again later."),
    },
    "level_reached": {
        "zh-CN": ("身份认证等级已提升", "您的身份认证已达到第 {level} 级。"),
        "en": ("Identity check passed", "Your identity is now verified to level {level}."),
    },
}

# Text messages, rendered with the values given (never stored by notify).
SMS_TEMPLATES = {
    "phone_code": {
        "zh-CN": "【城市服务】您的验证码是 {code}，5 分钟内有效。请勿告诉他人。",
        "en": "[City Services] Your code is {code}. It expires in 5 minutes. "
              "Do not share it.",
    },
}


def render_sms(kind: str, locale: str, values: dict) -> str:
    variants = SMS_TEMPLATES[kind]
    return variants.get(locale, variants[DEFAULT_LOCALE]).format(**values)


@dataclass(frozen=True)
class Message:
    id: str
    citizen_id: str
    kind: str
    locale: str
    title: str
    body: str
    event_id: str


def render(kind: str, citizen_id: str, locale: str, event_id: str,
           values: dict | None = None) -> Message:
    variants = TEMPLATES[kind]
    locale = locale if locale in variants else DEFAULT_LOCALE
    title, body = variants[locale]
    body = body.format(**(values or {}))
    return Message(str(uuid.uuid4()), citizen_id, kind, locale, title, body, event_id)
