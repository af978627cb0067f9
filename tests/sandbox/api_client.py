"""A requests session bound to the sandbox API root and one token, for the API tests."""

from __future__ import annotations

from typing import Any

import requests


class Api:
    """A requests session bound to the API root and one token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url + path, timeout=10, **kwargs)

    def create(self, collection: str, name: str, body: dict[str, Any]) -> requests.Response:
        return self("PUT", f"/{collection}/{name}", json=body, headers={"If-None-Match": "*"})
