"""The service catalogue: the reviewed data file, and finding a service in it."""

from types import SimpleNamespace
from typing import get_args

import pytest
import yaml

from contracts.errors import InvalidInput
from gateway.schemas import ServiceCategoryCode
from services.matters.domain.catalogue import CATEGORIES, check_query, problems, search
from services.matters.seed import CATALOGUE, load, row
from services.payments.seed import CATALOGUE as FEES

ENTRIES = load()


def entries() -> list:
    """The catalogue as matters reads it from its table."""
    return [SimpleNamespace(**row(n, e)) for n, e in enumerate(ENTRIES)]


def codes(q=None, category=None) -> list[str]:
    return [s.code for s in search(entries(), check_query(q, category), category)]


def test_the_catalogue_holds_at_least_thirty_services_each_complete_in_both_languages():
    assert len(ENTRIES) >= 30
    assert [p for e in ENTRIES for p in problems(e)] == []
    assert {e["category"] for e in ENTRIES} == set(CATEGORIES)  # every category is used


def test_an_entry_missing_a_language_or_with_an_unknown_category_is_named():
    entry = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))[0]
    broken = {**entry, "category": "astrology", "name": {"zh-CN": "交通违法罚款缴纳"}}
    assert problems(broken) == ["traffic-fine: unknown category 'astrology'",
                                "traffic-fine: name needs zh-CN and en"]


def test_a_catalogue_listing_a_service_twice_is_refused(tmp_path):
    twice = tmp_path / "catalogue.yaml"
    twice.write_text(CATALOGUE.read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(ValueError, match="traffic-fine: listed twice"):
        load(twice)


def test_every_fee_paid_through_the_hub_is_in_payments_fee_catalogue_at_the_same_level():
    fees = {f["code"]: f for f in FEES}
    paid_here = [e for e in ENTRIES if e["fee"] and e["fee"]["code"]]
    assert paid_here, "no service's fee is paid through the hub"
    for entry in paid_here:
        fee = fees[entry["fee"]["code"]]
        assert (fee["required_assurance_level"], fee["amount_cents"]) == (
            entry["level"], entry["fee"]["amount_cents"]), entry["code"]


def test_a_chinese_query_finds_the_services_whose_text_holds_it_named_ones_first():
    # 户籍证明 has it in its name; the residence permit and the old-age allowance speak
    # of it in their summaries.
    assert codes("户籍") == ["household-registration-certificate", "residence-permit",
                             "elderly-allowance"]


def test_an_english_query_needs_every_word_in_any_case():
    assert codes("Residence PERMIT") == ["residence-permit", "residence-permit-endorsement"]
    assert codes("permit")[2:] == ["hk-macao-permit", "hk-macao-endorsement"]
    assert codes("residence permit pension") == []


def test_a_category_lists_its_services_in_catalogue_order_and_no_other():
    found = codes(category="entry_exit")
    assert found == ["passport-application", "hk-macao-permit", "hk-macao-endorsement"]
    assert codes("passport", category="traffic") == []


def test_no_query_lists_the_whole_catalogue():
    assert codes() == [e["code"] for e in ENTRIES]


@pytest.mark.parametrize(("q", "category", "field"), [
    (None, "astrology", "category"), ("x" * 101, None, "q")])
def test_a_bad_query_is_refused_naming_its_field(q, category, field):
    with pytest.raises(InvalidInput) as refused:
        check_query(q, category)
    assert refused.value.field == field


def test_the_gateway_documents_exactly_the_catalogues_categories():
    assert list(get_args(ServiceCategoryCode)) == list(CATEGORIES)
