"""Debian's Chromium for the browser tests, driven by Playwright (no browser download)."""

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
# headless, and no background connections: this machine's network is closed
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

needs_chromium = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                    reason=f"needs Debian's chromium at {CHROMIUM} "
                                           "(`make system-deps` installs it)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
