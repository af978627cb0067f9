"""The live Kolibri the other tests drive is what they think it is."""

from __future__ import annotations

import requests

from .live import CHANNEL_ID, CONTENT_TITLES, VERSION, LiveKolibri


def test_the_session_kolibri_answers_with_its_version_and_seeded_channel(
    kolibri: LiveKolibri,
) -> None:
    info = requests.get(f"{kolibri.url}/api/public/info/", timeout=10).json()
    assert info["kolibri_version"] == VERSION
    nodes = requests.get(f"{kolibri.url}/api/content/contentnode/",
                         params={"channel_id": CHANNEL_ID}, timeout=10).json()
    titles = {node["id"]: node["title"] for node in nodes}
    assert titles["4d0c890de9b65d6880ccfa527800e0f4"] == CONTENT_TITLES[
        "4d0c890de9b65d6880ccfa527800e0f4"]
