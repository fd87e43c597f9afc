"""How a journal row becomes a :class:`~bot.job.Job` again (its inputs shelved), or an
:class:`Unreadable` entry where it cannot."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.job import GridChoice, InputImage, Job, JobState, Rendered
from bot.store.blobs import get_blob, has_blob
from bot.store.sql import Row, Sql
from styleengine import EncodedImage, ParamError, StyleParams


@dataclass(frozen=True)
class Unreadable:
    """A journal entry that can no longer become a job (its inputs are gone, or its
    parameters are from an engine that had other knobs)."""

    id: str
    owner_id: int
    channel_id: int
    reason: str
    guild_id: int | None = None


async def job_of(db: Sql, row: Row, *, check_images: bool = True) -> Job | Unreadable:
    """A job as journaled, its inputs shelved (their bytes stay in the store)."""

    def unreadable(reason: str) -> Unreadable:
        return Unreadable(row["id"], row["owner_id"], row["channel_id"], reason, row["guild_id"])

    cursor = await db.execute(
        "SELECT * FROM job_inputs WHERE job_id = ? ORDER BY position", (row["id"],)
    )
    inputs = []
    for item in await cursor.fetchall():
        if check_images and not await has_blob(db, item["digest"]):
            return unreadable("its pictures are no longer stored")
        inputs.append(InputImage(item["name"], (item["width"], item["height"]), item["digest"]))
    if len(inputs) < 2:
        return unreadable("its pictures are no longer stored")
    try:
        params = StyleParams().with_strings(json.loads(row["params"]))
    except ParamError as exc:
        return unreadable(f"its options no longer apply ({exc})")
    try:
        grid = GridChoice.from_json(json.loads(row["grid"])) if row["grid"] else None
    except (ValueError, KeyError, TypeError) as exc:
        return unreadable(f"its grid cannot be read ({exc})")
    job = Job(
        id=row["id"],
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        content=inputs[0],
        styles=tuple(inputs[1:]),
        params=params,
        upload_limit=row["upload_limit"],
        sources=json.loads(row["sources"]),
        preset=row["preset"],
        gallery=row["gallery"],
        grid=grid,
        timelapse=bool(row["timelapse"]),
        command_message_id=row["command_message_id"],
        status_message_id=row["status_message_id"],
        created_at=row["created_at"],
        attempts=row["attempts"],
        dispatch_key=row["dispatch_key"],
        dispatches=_dispatches(row["dispatch_key"]),
        state=JobState(row["state"]),
        error=row["error"],
    )
    if check_images and row["result_digest"] is not None and row["finished_at"] is None:
        data = await get_blob(db, row["result_digest"])
        if data is not None:
            meta = json.loads(row["result_meta"])
            job.result = Rendered(
                image=EncodedImage(data, meta["format"], tuple(meta["size"])),
                elapsed=meta["elapsed"],
                device=meta["device"],
                precision=meta["precision"],
                frames=meta.get("frames", 0),
            )
    return job


def _dispatches(key: str | None) -> int:
    """How many runs were sent before: the number at the end of the last run's key."""
    if key is None:
        return 0
    _, _, number = key.rpartition("-")
    return int(number) if number.isdigit() else 0
