"""
A person in a real browser (Debian's chromium and chromedriver through Selenium, headless): the student's
run → submit → result path and the teacher's grade → publish path, against a live server graded by the
reference grader. In CI chromium must be there; elsewhere the tests are skipped when it is not.
"""

import os
import shutil
import tempfile

import pytest

from tests.site.conftest import PYTHON_POSITIVE_ONLY, PYTHON_SUM

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT = 90


@pytest.fixture
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail(f"CI installs chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): not found")
        pytest.skip(f"no {CHROMIUM} / {CHROMEDRIVER} here (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="site-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    # the driver's path is given: Selenium Manager never looks for (or downloads) a browser or driver
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, timeout=WAIT):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # the results block is replaced while the page polls: an element found a moment ago may be gone
    wait = WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException])
    return wait.until(condition)


def _text_in(selector, text):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    def check(driver):
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        try:
            return found and text in found[0].text
        except WebDriverException as exc:
            # The page navigated between finding the element and reading it: Chromium sometimes says so with this
            # inspector error instead of a stale element (seen in CI after "Publish" reloaded the page). Look again.
            if "does not belong to the document" in str(exc):
                return False
            raise

    return check


def sign_in(driver, base, username, password="pw-for-tests-1"):
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{base}/")  # a page sends a signed-out person to the login page
    _wait(driver, lambda d: "/login/" in d.current_url)
    driver.get(f"{base}/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    _wait(driver, _text_in("header nav", username))


def _type_code(driver, code):
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, "code")
    box.clear()
    box.send_keys(code)


def test_student_runs_submits_and_sees_the_result(browser, reference_graders, people, course):
    from selenium.webdriver.common.by import By

    base, question = reference_graders.url, course["question"]
    sign_in(browser, base, "student")
    assert course["class"].name in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.LINK_TEXT, course["class"].name).click()
    browser.find_element(By.LINK_TEXT, course["assignment"].title).click()
    browser.find_element(By.LINK_TEXT, question.title).click()
    _type_code(browser, PYTHON_SUM)
    browser.find_element(By.ID, "run").click()
    _wait(browser, _text_in("#run-result", "Run: Completed"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#run-result tbody tr")
    assert [row.get_attribute("class") for row in rows] == ["passed", "passed"]
    assert "6" in rows[0].text and all("passed" in row.text for row in rows)
    _type_code(browser, "input()\nprint(1 // 0)\n")
    browser.find_element(By.ID, "run").click()
    _wait(browser, _text_in("#run-result", "ZeroDivisionError"))  # a crash shows its error output
    assert "exited with an error" in browser.find_element(By.ID, "run-result").text
    _type_code(browser, PYTHON_POSITIVE_ONLY)
    browser.find_element(By.ID, "submit").click()
    _wait(browser, lambda d: "/submissions/" in d.current_url)
    # the page polls by itself until the autograder's result is in
    _wait(browser, _text_in("#submission-status", "graded"))
    results = browser.find_elements(By.CSS_SELECTOR, "#test-results tbody tr")
    assert [row.get_attribute("class") for row in results] == ["passed", "passed", "failed"]
    assert "(hidden)" in results[2].text
    assert "once your teacher publishes it" in browser.find_element(By.ID, "results").text


def test_teacher_grades_and_publishes_and_the_student_is_told(browser, reference_graders, people, course):
    from coursework import services
    from selenium.webdriver.common.by import By

    from tests.site.conftest import wait_for

    submission = services.submit(people["student"], course["question"], PYTHON_POSITIVE_ONLY)

    def graded():
        submission.refresh_from_db()
        return services.grading_states([submission])[submission.pk] == "graded"

    assert wait_for(graded)
    base = reference_graders.url
    sign_in(browser, base, "owner")
    browser.get(f"{base}/assignments/{course['assignment'].pk}/")
    table = browser.find_element(By.CSS_SELECTOR, "table.submissions").text
    assert "student" in table and "7/10" in table
    browser.find_element(By.LINK_TEXT, str(submission.pk)).click()
    _wait(browser, _text_in("#submission-status", "graded"))
    points = browser.find_element(By.ID, "points")
    points.clear()
    points.send_keys("8")
    browser.find_element(By.ID, "comment").send_keys("Mind the negative numbers.")
    browser.find_element(By.ID, "save-grade").click()
    _wait(browser, _text_in("main", "Grade saved"))
    assert "8/10 (not published)" in browser.find_element(By.ID, "score").text
    browser.find_element(By.ID, "publish-grade").click()
    _wait(browser, _text_in("main", "Grade published."))

    sign_in(browser, base, "student")
    assert "2" in browser.find_element(By.ID, "nav-notifications").text  # the assignment, the grade
    browser.find_element(By.ID, "nav-notifications").click()
    notes = browser.find_element(By.ID, "notifications")
    assert f"Your grade for {course['question'].title} is published." in notes.text
    notes.find_element(By.CSS_SELECTOR, "li.unread button").click()
    _wait(browser, lambda d: f"/submissions/{submission.pk}/" in d.current_url)
    assert "Score: 8/10" in browser.find_element(By.ID, "score").text
    assert "Mind the negative numbers." in browser.find_element(By.ID, "results").text
