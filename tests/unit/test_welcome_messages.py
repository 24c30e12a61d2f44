from services.notify.domain import render


def test_a_chinese_speaking_citizen_is_welcomed_in_chinese():
    message = render("welcome", "c-1", "zh-CN", "e-1")
    assert message.locale == "zh-CN"
    assert message.title == "欢迎使用城市服务"


def test_an_english_speaking_citizen_is_welcomed_in_english():
    message = render("welcome", "c-1", "en", "e-1")
    assert message.title == "Welcome to City Services"
    assert message.citizen_id == "c-1" and message.event_id == "e-1"


def test_a_citizen_with_an_unsupported_locale_is_welcomed_in_chinese():
    assert render("welcome", "c-1", "fr", "e-1").locale == "zh-CN"


def test_every_message_gets_its_own_id():
    assert render("welcome", "c", "en", "e").id != render("welcome", "c", "en", "e").id
