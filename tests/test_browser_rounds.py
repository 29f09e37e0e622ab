"""A confirmation round in a real browser (Chromium): a member-state editor logs in, fills in
their state's return and submits it; the round and return pages have no axe-core violations.

Set ASCN_SCREENSHOT_DIR to a folder to keep a screenshot of each page on the way (the README's
"Keeping the registry current" shows those taken into docs/).
"""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from registry import confirmation, permissions
from registry.models import City, MemberState, MemberStateEditor, Officer, Return
from tests.conftest import make_staff
from tests.test_browser import axe, browser, console_errors, download_dir, site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def screenshot(driver, name):
    """Keep the page as a PNG where ASCN_SCREENSHOT_DIR asks for it (full page height)."""
    if folder := os.environ.get("ASCN_SCREENSHOT_DIR"):
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(height, 600), 2400))
        driver.execute_script("window.scrollTo(0, 0)")  # from the top, not the last field typed in
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))
        driver.set_window_size(1280, 1000)


def log_in_through_the_form(driver, base_url, username):
    from selenium.webdriver.common.by import By

    driver.get(base_url + "/admin/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys("pw")  # make_staff's password
    driver.find_element(By.CSS_SELECTOR, "form input[type=submit]").click()
    assert f"welcome, {username}" in driver.find_element(By.ID, "user-tools").text.lower()


def clicked_through(driver, element, locator):
    """Click `element` and wait for the next page's `locator` (By, value): a click starts the
    navigation, it does not wait for the new page on a busy machine."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("tag name", "html")
    element.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(old))
    return WebDriverWait(driver, 15).until(
        expected_conditions.presence_of_element_located(locator)
    )


def answer(driver, record, action, **fields):
    """Choose `action` for `record` and fill `fields` (name -> value) in its answer block."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    prefix = confirmation.record_key(record).replace(":", "-")
    block = driver.find_element(By.ID, f"answer-{prefix}")
    Select(block.find_element(By.NAME, f"{prefix}-action")).select_by_value(action)
    for name, value in fields.items():
        control = block.find_element(By.NAME, f"{prefix}-{name}")
        if control.get_attribute("type") == "date":
            # A date input takes typed digits in the browser's locale order; its value is ISO.
            driver.execute_script("arguments[0].value = arguments[1]", control, value)
        else:
            control.clear()
            control.send_keys(value)


def test_a_member_state_editor_fills_in_and_submits_a_return_in_the_browser(
    site,  # noqa: F811
    browser,  # noqa: F811
    axe,  # noqa: F811
):
    from selenium.webdriver.common.by import By

    thailand = MemberState.objects.get(code="TH")
    bangkok = City.objects.get(member_state=thailand, name="Bangkok")
    csco = Officer.objects.get(city=bangkok, name="Chaiwat Thongkamkoon")
    secretariat = make_staff("secretariat", "Secretariat editor")
    thai_editor = make_staff("thai-office", permissions.MEMBER_STATE_EDITOR_GROUP)
    MemberStateEditor.objects.create(user=thai_editor, member_state=thailand)
    due = timezone.localdate() + datetime.timedelta(days=30)
    round_ = confirmation.open_round("2027 annual confirmation", due, secretariat)
    thai_return = round_.returns.get(member_state=thailand)
    found = {}

    log_in_through_the_form(browser, site, "thai-office")
    browser.get(site + round_.get_absolute_url())
    # The editor's round page lists their own state's return only.
    rows = browser.find_elements(By.CSS_SELECTOR, "#content-main tbody tr")
    assert [row.text.split()[0] for row in rows] == ["Thailand"]
    if violations := axe():
        found["round page"] = violations
    status = clicked_through(
        browser, browser.find_element(By.LINK_TEXT, "Thailand"), (By.ID, "return-status")
    )
    assert "not started" in status.text
    if violations := axe():
        found["return page"] = violations

    answer(browser, thailand, "confirm")
    answer(
        browser,
        bangkok,
        "correct",
        correct_action_plan_url="https://example.org/bangkok-smart-city-plan",
        source_url="https://example.org/thai-return-2027",
    )
    answer(
        browser,
        csco,
        "handover",
        new_name="สมชาย ใจดี",
        new_designation="Chief Smart City Officer",
        effective_date="2027-01-15",
    )
    screenshot(browser, "confirmation-return")
    saved = clicked_through(
        browser,
        browser.find_element(By.CSS_SELECTOR, "input[type=submit][name=save]"),
        (By.CSS_SELECTOR, "ul.messagelist"),
    )
    assert "Saved." in saved.text
    thai_return.refresh_from_db()
    assert thai_return.status == Return.Status.IN_PROGRESS
    bangkok.refresh_from_db()
    assert bangkok.action_plan_url != "https://example.org/bangkok-smart-city-plan"

    # The saved answers come back into the form; submitting freezes the return.
    prefix = confirmation.record_key(csco).replace(":", "-")
    assert browser.find_element(By.NAME, f"{prefix}-new_name").get_attribute("value") == (
        "สมชาย ใจดี"
    )
    submitted = clicked_through(
        browser,
        browser.find_element(By.CSS_SELECTOR, "input[type=submit][name=submit]"),
        (By.CSS_SELECTOR, "ul.messagelist"),
    )
    assert "Submitted for review." in submitted.text
    assert "Status: submitted" in browser.find_element(By.ID, "return-status").text
    assert not browser.find_elements(By.CSS_SELECTOR, "input[name=submit]")  # frozen
    answers_table = browser.find_element(By.ID, "answers").text
    assert "https://example.org/bangkok-smart-city-plan" in answers_table
    assert "สมชาย ใจดี" in answers_table
    if violations := axe():
        found["submitted return"] = violations
    screenshot(browser, "confirmation-return-submitted")

    thai_return.refresh_from_db()
    assert thai_return.status == Return.Status.SUBMITTED
    assert thai_return.submitted_by == thai_editor
    assert {item.action for item in thai_return.items.all()} == {
        "confirm",
        "correct",
        "handover",
    }
    # Nothing public changed before the secretariat's review.
    assert not Officer.objects.filter(name="สมชาย ใจดี").exists()

    browser.delete_all_cookies()
    log_in_through_the_form(browser, site, "secretariat")
    browser.get(site + round_.get_absolute_url())
    assert "the secretariat (review)" in browser.find_element(By.ID, "content-main").text
    if violations := axe():
        found["round page, secretariat"] = violations
    screenshot(browser, "confirmation-round")
    # The reviewer sees each answer beside the record as it is now, and the review form.
    review = clicked_through(
        browser, browser.find_element(By.LINK_TEXT, "Thailand"), (By.ID, "review")
    )
    assert review.is_displayed()
    review_table = browser.find_element(By.ID, "answers").text
    assert "https://example.org/thai-return-2027" in review_table
    assert "successor's name: — → สมชาย ใจดี" in review_table
    assert "Chaiwat Thongkamkoon → สมชาย ใจดี" not in review_table  # not a rename
    if violations := axe():
        found["review"] = violations
    screenshot(browser, "confirmation-review")
    assert console_errors(browser) == []
    assert found == {}
