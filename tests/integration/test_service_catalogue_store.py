"""The service catalogue in matters' database, on SQLite and PostgreSQL: what
`cityhub seed` leaves there, however often it runs and whatever the file lost."""

from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from services.matters import repository
from services.matters.domain.catalogue import search
from services.matters.models import CatalogueService
from services.matters.seed import CATALOGUE, load, seed
from tests.fixtures.servers import migrated_database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    found = migrated_database(request, tmp_path, "matters")
    yield found
    found.close()


def rows(database) -> int:
    with database.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(CatalogueService))


def test_loading_the_catalogue_twice_leaves_one_row_per_service(database):
    for _ in range(2):
        with database.sessionmaker.begin() as session:
            seed(session)
    assert rows(database) == len(load())


def test_a_service_the_file_no_longer_holds_is_taken_out_and_a_changed_level_is_the_files(
        database, tmp_path):
    with database.sessionmaker.begin() as session:
        seed(session)
    entries = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    edited = [{**e, "level": 3} if e["code"] == "water-bill" else e for e in entries
              if e["code"] != "gas-bill"]
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(edited, allow_unicode=True), encoding="utf-8")
    with database.sessionmaker.begin() as session:
        seed(session, path)
    with database.sessionmaker() as session:
        assert repository.catalogue_service(session, "gas-bill") is None
        assert repository.catalogue_service(session, "water-bill").required_assurance_level == 3
        listed = repository.catalogue(session)
    assert [s.code for s in listed] == [e["code"] for e in edited]  # in the file's order
    assert rows(database) == len(entries) - 1


def test_a_search_reads_the_names_and_documents_back_in_both_languages(database):
    with database.sessionmaker.begin() as session:
        seed(session)
    with database.sessionmaker() as session:
        (found,) = search(repository.catalogue(session), ["户籍证明"], None)
    assert found.name_en == "Household registration certificate"
    assert {"zh-CN": "户口簿", "en": "Household register booklet"} in found.documents


def test_the_calendar_read_back_counts_working_days_as_the_holiday_notice_does(database):
    with database.sessionmaker.begin() as session:
        seed(session)
    with database.sessionmaker() as session:
        calendar = repository.calendar(session)
    # Complete on Wednesday 30 September 2026: 8 and 9 October, then Saturday the 10th,
    # worked for National Day.
    assert calendar.add(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_a_notice_day_ops_changed_is_left_as_ops_set_it_by_the_next_seed(database):
    with database.sessionmaker.begin() as session:
        seed(session)
        repository.set_day(session, date(2026, 10, 7), True, "worked after all")
    with database.sessionmaker.begin() as session:
        seed(session)
    with database.sessionmaker() as session:
        assert repository.calendar(session).is_working_day(date(2026, 10, 7))
