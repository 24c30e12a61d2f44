"""The language a matter's timeline is written in for the caller."""

from contracts.formats import LOCALES

READS_LANGUAGE = {"Accept-Language": "en: each timeline step's `says` in English; "
                                     "otherwise in Chinese (zh-CN)"}


def language(request) -> str:
    """zh-CN unless the request asks for en (Accept-Language)."""
    return request.accept_languages.best_match(LOCALES, default=LOCALES[0])
