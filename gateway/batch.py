"""Batches: many galaxies in one call, evaluated with bounded concurrency and answered line by
line in input order, each line a result or the problem for that item."""

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from gateway.estimator import Answer, Estimator
from gateway.schemas import BatchItem, BatchLine, Survey
from gateway.settings import Copies
from gateway.tables import TableError, items_from_csv_text, read_items
from servicekit.logging import get_logger
from servicekit.problems import PayloadTooLarge, Problem, Unprocessable

log = get_logger("gateway.batch")


def items_from_json(payload: Any, max_items: int) -> list[Any]:
    """A JSON list of objects ({pgc}|{name}|{ra, dec[, radius|fov]}), PGC numbers or names."""
    if not isinstance(payload, list):
        raise Unprocessable("the batch must be a JSON list of {pgc} | {name} | {ra, dec} objects")
    return _bounded(payload, max_items)


def items_from_csv(text: str, max_items: int) -> list[Any]:
    """A CSV with a header row naming some of: pgc, name (or objname), ra, dec, radius, fov,
    survey."""
    try:
        return _bounded(items_from_csv_text(text, max_items), max_items)
    except TableError as exc:
        raise Unprocessable(str(exc)) from exc


def items_from_table(data: bytes, max_items: int) -> list[Any]:
    """A CSV, ECSV, VOTable or FITS table (told apart by its content)."""
    try:
        return _bounded(read_items(data, max_items), max_items)
    except TableError as exc:
        raise Unprocessable(str(exc)) from exc


def _bounded(items: list[Any], max_items: int) -> list[Any]:
    if not items:
        raise Unprocessable("the batch is empty: give at least one galaxy")
    if len(items) > max_items:
        raise PayloadTooLarge(
            f"a batch holds at most {max_items} galaxies; split it", limit_items=max_items
        )
    return items


_PASSTHROUGH = frozenset({"survey"}) - set(BatchItem.model_fields)


def _as_item(raw: Any) -> BatchItem:
    if isinstance(raw, bool):
        raise ValueError("expected an object, a PGC number or a name")
    if isinstance(raw, int):
        return BatchItem(pgc=raw)
    if isinstance(raw, str):
        return BatchItem(name=raw)
    if not isinstance(raw, dict):
        raise ValueError("expected an object, a PGC number or a name")
    # Table columns the batch has no field for yet (survey) stay in the line's query, and so in
    # the output table, without failing the row.
    return BatchItem.model_validate({k: v for k, v in raw.items() if k not in _PASSTHROUGH})


async def evaluate(
    estimator: Estimator, item: BatchItem, copies: Copies | None, survey: Survey = "auto"
) -> Answer:
    survey = item.survey or survey  # an item's own survey overrides the batch's
    if item.pgc is not None:
        return await estimator.by_pgc(item.pgc, copies, survey)
    if item.name is not None:
        return await estimator.by_name(item.name, copies, survey)
    assert item.ra is not None and item.dec is not None
    return await estimator.by_coord(
        item.ra, item.dec, radius=item.radius, fov=item.fov, copies=copies, survey=survey
    )


async def run_batch(
    estimator: Estimator,
    items: list[Any],
    *,
    concurrency: int,
    copies: Copies | None = None,
    survey: Survey = "auto",
) -> AsyncIterator[BatchLine]:
    """Lines in input order; at most ``concurrency`` galaxies in flight, a window of a few
    times that read ahead so one slow galaxy does not stall the others."""
    slots = asyncio.Semaphore(concurrency)

    async def one(index: int, raw: Any) -> BatchLine:
        query = raw if isinstance(raw, dict) else {"value": raw}
        try:
            item = _as_item(raw)
        except (ValidationError, ValueError) as exc:
            detail = (
                "; ".join(str(e.get("msg", "")) for e in exc.errors())
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            problem = Unprocessable(f"item {index}: {detail}", title="Invalid batch item")
            return BatchLine(index=index, status=422, query=query, problem=problem.to_dict())
        async with slots:
            try:
                answer = await evaluate(estimator, item, copies, survey)
            except Problem as problem:
                return BatchLine(
                    index=index, status=problem.status, query=query, problem=problem.to_dict()
                )
            except Exception:
                log.exception("batch item failed", extra={"index": index})
                failure = Problem("unexpected error for this item; it has been logged")
                return BatchLine(index=index, status=500, query=query, problem=failure.to_dict())
        return BatchLine(index=index, status=200, query=query, result=answer.result)

    window: deque[asyncio.Task[BatchLine]] = deque()
    try:
        for index, raw in enumerate(items):
            window.append(asyncio.ensure_future(one(index, raw)))
            if len(window) >= concurrency * 4:
                yield await window.popleft()
        while window:
            yield await window.popleft()
    finally:
        for task in window:
            task.cancel()
