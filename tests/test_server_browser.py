"""The web pages in a real browser: headless Debian Chromium driven by Playwright uploads a
submission on the student page, sees its score and feedback; the instructor page lists it."""

import pytest
from browser import launch, needs_chromium
from serverlib import A1, ServerProcess, make_tokens, write_small_course

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    data = folder / "data"
    tokens = make_tokens(data, ["ann"])
    with ServerProcess(write_small_course(folder), data, "--workers", "1") as process:
        process.tokens = tokens
        yield process


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def sign_in(browser, server, person):
    page = browser.new_context().new_page()
    page.goto(server.url + "/")
    page.fill("#token", server.tokens[person])
    page.click("#sign-in")
    return page


def test_a_student_uploads_and_reads_the_feedback_then_the_instructor_sees_it(
        browser, server, tmp_path):
    page = sign_in(browser, server, "ann")
    assert page.url.endswith("/student")
    assert page.text_content("#person") == "ann"

    wrong = tmp_path / "notes.txt"
    wrong.write_text("not code")
    page.set_input_files("#file", str(wrong))
    page.click("#submit")
    page.wait_for_selector("#message.error")
    assert ".ipynb notebook or a .py file" in page.text_content("#message")

    page.select_option("#assignment", "a1-activations")
    page.set_input_files("#file", str(A1 / "bug_exp_ratio.py"))
    page.click("#submit")
    row = page.wait_for_selector("#submissions tbody tr:has(td.status.done)", timeout=90_000)
    assert "bug_exp_ratio.py" in row.text_content()
    assert row.query_selector("td.score").text_content() == "3.5 / 5"

    with page.expect_navigation():
        row.query_selector("a:text('feedback')").click()
    assert "Score: 3.5 / 5" in page.text_content("p.score")
    assert page.locator("td:text('failed')").count() >= 1
    assert page.locator("td:text('known-values')").count() == 1

    teacher = sign_in(browser, server, "prof")
    assert teacher.url.endswith("/instructor")
    listed = teacher.wait_for_selector("#submissions tbody tr[data-id]")
    assert "ann" in listed.text_content() and "3.5 / 5" in listed.text_content()
    with teacher.expect_navigation():
        listed.query_selector("a:text('feedback')").click()
    assert "submitted by ann" in teacher.content()


def test_a_wrong_token_is_refused_on_the_sign_in_page(browser, server):
    page = browser.new_context().new_page()
    page.goto(server.url + "/student")
    assert page.url.endswith("/")  # not signed in: sent to the sign-in page
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    assert "not known" in page.text_content("[role=alert]")
