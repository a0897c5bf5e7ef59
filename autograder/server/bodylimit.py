"""Refuse request bodies over a size before they are parsed (ASGI middleware).

A declared ``Content-Length`` over the limit is answered at once; a body sent without
one is counted as it arrives and cut off when it passes the limit.
"""

from __future__ import annotations

import json

from .errors import ApiError


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app, max_bytes: int, on_refuse=None):
        self.app = app
        self.max_bytes = max_bytes
        self.on_refuse = on_refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"").decode()
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self.refuse(send)
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await self.refuse(send)

    async def refuse(self, send):
        if self.on_refuse:
            self.on_refuse("file_too_large")
        error = ApiError(413, "file_too_large",
                         f"the request is over the upload limit of {self.max_bytes} bytes")
        body = json.dumps(error.body()).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
