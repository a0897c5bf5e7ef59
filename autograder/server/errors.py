"""Every refused request gets a 4xx answer with one JSON shape: ``{"error", "detail"}``."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": self.error, "detail": self.detail}
