"""
``DEMO_ONCE=1 make demo``: the design document's whole flow over HTTP, one line per step.

register → log in → class → join (a wrong code first) → assignment with hidden tests → publish → run →
submit → autograde → run the autograder again → grade by hand → publish → notifications → scores → the
instructor API on the site's learner. The last line is ``demo: N/N graded``: the submissions whose final
score is what the walk expects. Standard library only (``urllib``), as any client could do it.
"""

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from coursework.demo_data import PARTIAL_POINTS, QUESTIONS, api_question


class StepFailed(Exception):
    pass


class Client:
    def __init__(self, base_url, token=None):
        self.base_url, self.token = base_url, token

    def call(self, method, path, body=None, expect=200):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        parsed = json.loads(payload or b"null")
        if status != expect:
            raise StepFailed(f"{method} {path}: expected {expect}, got {status}: {str(parsed)[:500]}")
        return parsed


class Walk:
    def __init__(self, base_url):
        self.base_url = base_url
        self.step_no = 0
        self.anonymous = Client(base_url)

    def step(self, text):
        self.step_no += 1
        print(f"demo: [{self.step_no:02}] {text}", flush=True)

    def sign_up(self, role):
        name = f"{role}-{secrets.token_hex(3)}"
        body = {"username": name, "email": f"{name}@example.com", "password": secrets.token_urlsafe(12), "role": role}
        user = self.anonymous.call("POST", "/api/auth/register/", body, expect=201)["data"]
        tokens = self.anonymous.call("POST", "/api/auth/login/", {"username": name, "password": body["password"]})
        access = self.anonymous.call("POST", "/api/auth/refresh/", {"refresh": tokens["data"]["refresh"]})
        return user, Client(self.base_url, access["data"]["access"])

    def wait_graded(self, client, assignment_id, count, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page = client.call("GET", f"/api/submissions/submissions/?assignment={assignment_id}&page_size=100")
            rows = page["data"]["results"]
            if len(rows) >= count and all(row["status"] in ("graded", "failed") for row in rows):
                return rows
            time.sleep(0.3)
        raise StepFailed(f"not every submission was graded within {timeout}s")

    def run(self):
        started = time.monotonic()
        teacher, t = self.sign_up("teacher")
        student, s = self.sign_up("student")
        self.step(f"registered and signed in (JWT access + refresh): teacher {teacher['username']}, "
                  f"student {student['username']}")  # fmt: skip
        self.anonymous.call("GET", "/api/auth/me/", expect=401)
        klass = t.call("POST", "/api/classes/", {"name": "Demo walk", "description": "over HTTP"}, expect=201)["data"]
        self.step(f"teacher created class {klass['id']} with join code {klass['join_code']}")
        wrong = s.call("POST", f"/api/classes/{klass['id']}/join/", {"join_code": "WRONG123"}, expect=400)
        s.call("POST", f"/api/classes/{klass['id']}/join/", {"join_code": klass["join_code"]})
        self.step(f"student joined (a wrong code first: 400, {wrong['errors']['join_code'][0]!r})")
        languages = self.languages()
        questions = [api_question(q) for q in QUESTIONS if q["language"] in languages]
        body = {"class_id": klass["id"], "title": "Walk", "description": "", "due_at": None, "questions": questions}
        assignment = t.call("POST", "/api/assignments/", body, expect=201)["data"]
        ids = {q["language"]: q["id"] for q in assignment["questions"]}
        self.step(f"teacher created assignment {assignment['id']} ({assignment['status']}): {', '.join(ids)}")
        s.call("POST", "/api/submissions/submissions/", {"question_id": ids[questions[0]["language"]], "code": "x"},
               expect=409)  # fmt: skip
        t.call("POST", f"/api/assignments/{assignment['id']}/publish/")
        seen = s.call("GET", f"/api/assignments/{assignment['id']}/")["data"]
        leaked = [c for q in seen["questions"] for c in q["test_cases"] if c["hidden"]]
        if leaked:
            raise StepFailed("a student received hidden test cases")
        self.step("teacher published it (a submission to the draft was refused: 409); the student sees no hidden case")
        solutions = {q["language"]: q for q in QUESTIONS if q["language"] in languages}
        for language, question_id in ids.items():
            begun = time.monotonic()
            run = s.call(
                "POST", "/api/code/run/", {"question_id": question_id, "code": solutions[language]["solution"]}
            )
            passed = sum(1 for r in run["data"]["results"] if r["passed"])
            if run["data"]["status"] != "completed" or passed != len(run["data"]["results"]):
                raise StepFailed(f"run of the {language} solution: {run['data']}")
            self.step(f"student ran {language} on the visible tests: {passed}/{passed} passed "
                      f"({time.monotonic() - begun:.1f}s, not an attempt)")  # fmt: skip
        expected = {}
        for language, question_id in ids.items():
            for kind in ("solution", "partial") if language == "python" else ("solution",):
                body = {"question_id": question_id, "code": solutions[language][kind]}
                created = s.call("POST", "/api/submissions/submissions/", body, expect=201)["data"]
                expected[created["id"]] = (language, kind, 10 if kind == "solution" else PARTIAL_POINTS)
        self.step(f"student submitted {len(expected)} answers (status 'queued')")
        begun = time.monotonic()
        rows = self.wait_graded(t, assignment["id"], len(expected))
        self.step(
            f"the reference grader graded {len(rows)} submissions in the sandbox ({time.monotonic() - begun:.1f}s)"
        )
        queued = t.call("POST", "/api/grading/grading/run-autograder/", {"assignment_id": assignment["id"]}, expect=202)
        rows = self.wait_graded(t, assignment["id"], len(expected))
        self.step(f"teacher ran the autograder again: {queued['data']['queued']} latest submissions regraded")
        autograded = {row["id"]: row["score"] for row in rows}
        wrong = {sid: autograded.get(sid) for sid, (_, _, points) in expected.items() if autograded.get(sid) != points}
        if wrong:
            raise StepFailed(f"autograder scores differ from the expected ones: {wrong}")
        self.step(f"teacher sees the autograder's scores: {sorted(autograded.values())}")
        partial = next(sid for sid, (_, kind, _) in expected.items() if kind == "partial")
        t.call("PUT", f"/api/grading/submissions/{partial}/grade/", {"points": 8, "comment": "Negative numbers!"})
        expected[partial] = ("python", "partial, graded by hand", 8)
        self.step(f"teacher graded submission {partial} by hand: 8/10 with a comment (unpublished)")
        for sid in expected:
            t.call("POST", f"/api/grading/submissions/{sid}/publish/")
        self.step(f"teacher published {len(expected)} grades")
        notes = s.call("GET", "/api/notifications/?read=false")["data"]
        kinds = [n["kind"] for n in notes["results"]]
        s.call("POST", f"/api/notifications/{notes['results'][0]['id']}/read/")
        self.step(f"student has {kinds.count('grade_published')} grade notifications "
                  f"(+{kinds.count('assignment_published')} for the assignment); marked one read")  # fmt: skip
        mine = s.call("GET", f"/api/submissions/submissions/?assignment={assignment['id']}&page_size=100")["data"]
        got = {row["id"]: row["score"] for row in mine["results"]}
        comment = next(row["comment"] for row in mine["results"] if row["id"] == partial)
        hidden_data = [r for row in mine["results"] for r in row["results"] if r["hidden"] and "stdout" in r]
        if hidden_data:
            raise StepFailed("a student received a hidden case's output")
        self.step(f"student sees the published scores and the comment {comment!r}; no hidden case's data")
        self.instructor_api(t, klass, assignment, student, got)
        good = 0
        for sid, (language, kind, points) in expected.items():
            ok = got.get(sid) == points
            good += ok
            if not ok:
                print(f"demo:   submission {sid} ({language}, {kind}): score {got.get(sid)}, expected {points}")
        print(f"demo: walked the flow in {time.monotonic() - started:.1f}s", flush=True)
        return good, len(expected)

    def instructor_api(self, t, klass, assignment, student, got):
        question = assignment["questions"][0]
        course = f"course-v1:autograder+class-{klass['id']}+site"
        block = f"block-v1:autograder+class-{klass['id']}+site+type@problem+block@question-{question['id']}"
        path = f"/api/instructor/v2/courses/{course}/problems/{urllib.parse.quote(block)}"
        problem = t.call("GET", f"{path}?email_or_username={student['username']}")
        score = problem["current_score"]
        self.step(f"instructor API sees the site's learner: {problem['name']!r} score "
                  f"{score['score']}/{score['total']}, {problem['attempts']['current']} attempts")  # fmt: skip

    def languages(self):
        from submissions.external_grader.grader.languages import get_language

        return [q["language"] for q in QUESTIONS if not get_language(q["language"]).missing_tools()]


def walk(base_url):
    """``(graded as expected, submissions)``; a failed step is reported and counts as nothing graded."""
    try:
        return Walk(base_url).run()
    except (StepFailed, OSError, ValueError, KeyError) as exc:
        print(f"demo: FAILED: {exc}", flush=True)
        return 0, 0
