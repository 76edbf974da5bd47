"""Portal routes for a claim's 附件 (§四 4.1, C-10): the table, 上传附件, download, delete.

Every route goes through the claim's own questions (readable / editable): another
enterprise's claim, or an attachment id that is not this claim's, is 404 whatever the
route. The upload is multipart/form-data (``file``, optional ``remark`` 备注 and ``summary``
摘要), streamed by :mod:`adapter.portal.uploads` under the claim's remaining allowance; a
refusal for size closes the connection so the rest of the body is never read.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapter.domain.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_CLAIM_ATTACHMENT_BYTES,
    MAX_NOTE_CHARS,
    AttachmentRecord,
    AttachmentType,
    AttachmentUnknown,
    allowance,
    detect_type,
    human_size,
    over_limit,
)
from adapter.domain.errors import ContentTooLarge
from adapter.downloads import send_file
from adapter.portal.context import Portal
from adapter.portal.errors import refusal
from adapter.portal.identity import identity_of
from adapter.portal.json import respond
from adapter.portal.uploads import UploadForm, stream_upload
from adapter.ports.attachments import AttachmentStore
from adapter.rendering.times import beijing
from adapter.service_layer import claim_attachments
from adapter.service_layer.claim_attachments import ReceivedFile

PREFIX = "/portal/v1/claims/{claim_no}/attachments"
_MAX_ID_DIGITS = 18


def view(record: AttachmentRecord, index: int) -> dict[str, Any]:
    """One row of the 附件 table: 序号, 类型, 文件名, 备注, 摘要, 上传时间, 文件大小."""
    return {"index": index, "attachment_id": record.attachment_id, "kind": record.kind.label,
            "media_type": record.media_type, "name": record.name, "remark": record.remark,
            "summary": record.summary, "uploaded_at": record.uploaded_at,
            "uploaded_at_beijing": beijing(record.uploaded_at), "uploaded_by": record.uploaded_by,
            "size": record.size, "size_text": human_size(record.size), "sha256": record.sha256}


def _attachment_id(request: web.Request) -> int:
    """A path id that is no positive number is no attachment: 404, as another's would be."""
    raw = request.match_info["attachment_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_ID_DIGITS or int(raw) < 1:
        raise AttachmentUnknown(f"attachment id {raw[:40]!r}")
    return int(raw)


def routes(portal: Portal, store: AttachmentStore) -> list[web.RouteDef]:
    uows = portal.uows

    async def listing(request: web.Request) -> web.Response:
        records = await claim_attachments.listing(uows, identity_of(request),
                                                  request.match_info["claim_no"])
        used = sum(record.size for record in records)
        return respond({"items": [view(record, index) for index, record in enumerate(records, 1)],
                        "used_bytes": used, "limit_bytes": MAX_CLAIM_ATTACHMENT_BYTES,
                        "file_limit_bytes": MAX_ATTACHMENT_BYTES, "next_file_limit_bytes": allowance(used),
                        "allowed_media_types": [kind.media_type for kind in AttachmentType]})

    async def upload(request: web.Request) -> web.Response:
        identity, claim_no = identity_of(request), request.match_info["claim_no"]
        used = await claim_attachments.used_bytes(uows, identity, claim_no)
        form = UploadForm(limit=allowance(used), too_large=lambda: over_limit(used),
                          sniff=detect_type,
                          text_fields={"remark": MAX_NOTE_CHARS, "summary": MAX_NOTE_CHARS})
        try:
            streamed = await stream_upload(request, store, form)
        except ContentTooLarge as exc:
            response = refusal(exc)
            response.force_close()  # the rest of the body is not read
            return response
        record = await claim_attachments.add(uows, identity, claim_no, ReceivedFile(
            streamed.blob, streamed.kind, streamed.filename, streamed.fields.get("remark", ""),
            streamed.fields.get("summary", "")))
        records = await claim_attachments.listing(uows, identity, claim_no)
        return respond(view(record, len(records)), status=201)

    async def download(request: web.Request) -> web.StreamResponse:
        record, handle = await claim_attachments.opened(
            uows, store, identity_of(request), request.match_info["claim_no"], _attachment_id(request))
        return await send_file(request, handle, media_type=record.media_type, name=record.name,
                               size=record.size)

    async def delete(request: web.Request) -> web.Response:
        await claim_attachments.remove(uows, identity_of(request), request.match_info["claim_no"],
                                       _attachment_id(request))
        return web.Response(status=204)

    return [web.get(PREFIX, listing), web.post(PREFIX, upload),
            web.get(PREFIX + "/{attachment_id}", download),
            web.delete(PREFIX + "/{attachment_id}", delete)]

