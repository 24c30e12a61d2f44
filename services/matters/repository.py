"""Matters' queries: all of its SQL is here."""

from sqlalchemy import delete, select

from services.matters.models import CatalogueService


def catalogue(session) -> list[CatalogueService]:
    """The whole catalogue, in its file's order."""
    return list(session.scalars(select(CatalogueService).order_by(CatalogueService.position)))


def catalogue_service(session, code: str) -> CatalogueService | None:
    return session.get(CatalogueService, code)


def replace_catalogue(session, rows: list[dict]) -> None:
    """The catalogue becomes `rows`: each written over its code, and a service the rows
    no longer hold taken out."""
    for row in rows:
        session.merge(CatalogueService(**row))
    session.execute(delete(CatalogueService).where(
        CatalogueService.code.not_in([row["code"] for row in rows])))
