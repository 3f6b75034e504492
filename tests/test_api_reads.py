"""submissions.api: bulk reads, caching, the legacy-uuid fallback and the read replica."""

import datetime
import time
import uuid
import warnings

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from submissions import api
from submissions.errors import SubmissionInternalError, SubmissionRequestError, SubmissionStorageError
from submissions.models import StudentItem, Submission
from submissions.services import lookup
from tests.dbfaults import fail_on

pytestmark = pytest.mark.django_db

COURSE = "course-v1:edX+Demo+2026"
ITEM = "item-1"
TYPE = "openassessment"


def item(student_id, item_id=ITEM, course_id=COURSE, item_type=TYPE):
    return {"student_id": student_id, "course_id": course_id, "item_id": item_id, "item_type": item_type}


# -- caching of get_submission / get_submission_and_student --


def test_get_submission_is_cached_under_the_spec_key(django_assert_num_queries):
    data = api.create_submission(item("a"), "x")
    with django_assert_num_queries(1):
        api.get_submission(data["uuid"])
    assert cache.get(f"submissions.submission.{data['uuid']}") == data
    with django_assert_num_queries(0):
        assert api.get_submission(data["uuid"]) == data
        assert api.get_submission(uuid.UUID(data["uuid"])) == data


def test_cached_dicts_are_copies():
    data = api.create_submission(item("a"), "x")
    first = api.get_submission(data["uuid"])
    first["answer"] = "changed"
    assert api.get_submission(data["uuid"])["answer"] == "x"


def test_get_submission_and_student_caches_the_student_item(django_assert_num_queries):
    data = api.create_submission(item("a"), "x")
    api.get_submission_and_student(data["uuid"])
    assert cache.get(f"submissions.student_item.{data['student_item']}") == item("a")
    with django_assert_num_queries(0):
        assert api.get_submission_and_student(data["uuid"])["student_item"] == item("a")


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_reads_work_without_a_cache(django_assert_num_queries):
    data = api.create_submission(item("a"), "x")
    with django_assert_num_queries(1):
        assert api.get_submission(data["uuid"]) == data


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_a_cache_outage_does_not_break_reads():
    data = api.create_submission(item("a"), "x")
    assert api.get_submission(data["uuid"]) == data
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 3) == []


# -- get_all_submissions --


def test_get_all_submissions_latest_per_student_ordered_by_student():
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    api.create_submission(item("bob"), "bob-1", submitted_at=base)
    bob2 = api.create_submission(item("bob"), "bob-2", submitted_at=base + datetime.timedelta(hours=1))
    alice = api.create_submission(item("alice"), "alice-1", submitted_at=base)
    api.create_submission(item("carol", item_id="other"), "other item")
    api.create_submission(item("dave", item_type="problem", item_id=ITEM), "other type")
    rows = list(api.get_all_submissions(COURSE, ITEM, TYPE))
    assert [(row["student_id"], row["uuid"]) for row in rows] == [("alice", alice["uuid"]), ("bob", bob2["uuid"])]
    assert rows[0]["answer"] == "alice-1"
    assert set(rows[0]) == {*alice, "student_id"}


def test_get_all_submissions_is_one_query(django_assert_num_queries):
    for n in range(6):
        api.create_submission(item(f"s{n}"), "x")
        api.create_submission(item(f"s{n}"), "y")
    with django_assert_num_queries(1):
        assert len(list(api.get_all_submissions(COURSE, ITEM, TYPE))) == 6


def test_get_all_submissions_skips_deleted_and_is_empty_when_nothing():
    api.create_submission(item("a"), "x")
    api.reset_score("a", COURSE, ITEM, clear_state=True)
    assert list(api.get_all_submissions(COURSE, ITEM, TYPE)) == []
    assert list(api.get_all_submissions("nope", "nope", "nope")) == []


# -- get_all_course_submission_information --


def _score(data, earned, possible=10, **annotation):
    api.set_score(data["uuid"], earned, possible, *annotation.values())


def test_course_submission_information_rows():
    first = api.create_submission(item("a"), "a-1")
    second = api.create_submission(item("a"), "a-2")
    _score(first, 3)
    _score(second, 7, creator="staff", kind="staff_override", reason="fair")
    unscored = api.create_submission(item("b"), "b-1")
    hidden = api.create_submission(item("c"), "c-1")
    _score(hidden, 5)
    api.reset_score("c", COURSE, ITEM)
    api.create_submission(item("d", item_type="problem"), "other type")
    rows = {row[1]["uuid"]: row for row in api.get_all_course_submission_information(COURSE, TYPE)}
    assert set(rows) == {first["uuid"], second["uuid"], unscored["uuid"], hidden["uuid"]}
    student_item, submission, score = rows[second["uuid"]]
    assert student_item == item("a")
    assert submission == second
    assert score["points_earned"] == 7
    assert score["submission_uuid"] == second["uuid"]
    assert score["annotations"] == [{"creator": "staff", "reason": "fair", "annotation_type": "staff_override"}]
    assert rows[first["uuid"]][2] == {}  # scored, but not the latest score of the item
    assert rows[unscored["uuid"]][2] == {}
    assert rows[hidden["uuid"]][2] == {}


def _populate(n_students):
    for n in range(n_students):
        data = api.create_submission(item(f"student-{n}", item_id=f"item-{n % 3}"), {"n": n})
        api.set_score(data["uuid"], n % 5, 5, "staff", "staff_override", f"reason {n}")


@pytest.mark.parametrize("n_students", [5, 50])
def test_course_submission_information_query_count_is_constant(n_students, django_assert_max_num_queries):
    """4.x ran one annotation query per scored row."""
    _populate(n_students)
    with django_assert_max_num_queries(2):
        rows = list(api.get_all_course_submission_information(COURSE, TYPE))
    assert len(rows) == n_students
    assert all(row[2]["annotations"][0]["creator"] == "staff" for row in rows)


# -- get_top_submissions --


def test_top_submissions_order_filter_and_shape():
    scores = {"a": 3, "b": 9, "c": 0, "d": 5}
    for student_id, earned in scores.items():
        data = api.create_submission(item(student_id), f"answer {student_id}")
        api.set_score(data["uuid"], earned, 10)
    hidden = api.create_submission(item("e"), "answer e")
    api.set_score(hidden["uuid"], 10, 10)
    api.reset_score("e", COURSE, ITEM)
    top = api.get_top_submissions(COURSE, ITEM, TYPE, 10)
    assert top == [
        {"score": 9, "content": "answer b"},
        {"score": 5, "content": "answer d"},
        {"score": 3, "content": "answer a"},
    ]
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 2, use_cache=False) == top[:2]


def test_top_submissions_use_the_latest_raw_points():
    data = api.create_submission(item("a"), "a")
    api.set_score(data["uuid"], 9, 10)
    api.set_score(data["uuid"], 1, 10)
    other = api.create_submission(item("b"), "b")
    api.set_score(other["uuid"], 4, 100)
    top = api.get_top_submissions(COURSE, ITEM, TYPE, 5)
    assert top == [{"score": 4, "content": "b"}, {"score": 1, "content": "a"}]


def test_top_submissions_cache(django_assert_num_queries):
    key = f"submissions.top_submissions.{COURSE}.{ITEM}.{TYPE}.3"
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 3) == []
    assert cache.get(key) == []  # empty lists are cached too
    data = api.create_submission(item("a"), "a")
    api.set_score(data["uuid"], 1, 2)
    with django_assert_num_queries(0):
        assert api.get_top_submissions(COURSE, ITEM, TYPE, 3) == []
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 3, use_cache=False) == [{"score": 1, "content": "a"}]
    assert cache.get(key) == [{"score": 1, "content": "a"}]
    assert api.TOP_SUBMISSIONS_CACHE_TIMEOUT == 300


def test_top_submissions_timeout_is_300_seconds():
    api.get_top_submissions(COURSE, ITEM, TYPE, 3)
    key = f"submissions.top_submissions.{COURSE}.{ITEM}.{TYPE}.3"
    expiry = cache._expire_info[cache.make_and_validate_key(key)]  # LocMemCache internals
    assert 290 < expiry - time.time() <= 300


def test_top_submissions_cache_key_with_unsafe_characters_is_hashed():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert api.get_top_submissions("course with spaces", "ité m", TYPE, 3) == []
        assert api.get_top_submissions("c" * 300, ITEM, TYPE, 3) == []


@pytest.mark.parametrize("number", [0, -1, 101, 1000, "5", 5.0, None, True])
def test_top_submissions_number_must_be_1_to_100(number):
    with pytest.raises(SubmissionRequestError):
        api.get_top_submissions(COURSE, ITEM, TYPE, number)


def test_top_submissions_limits():
    assert api.MAX_TOP_SUBMISSIONS == 100
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 1) == []
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 100) == []


def test_top_submissions_database_error():
    with connection.execute_wrapper(fail_on("SELECT")), pytest.raises(SubmissionInternalError):
        api.get_top_submissions(COURSE, ITEM, TYPE, 3, use_cache=False)


# -- get_student_ids_by_submission_uuid --


def test_student_ids_by_submission_uuid():
    a = api.create_submission(item("a"), "x")
    b = api.create_submission(item("b"), "x")
    other_course = api.create_submission(item("c", course_id="other"), "x")
    result = api.get_student_ids_by_submission_uuid(
        COURSE, [a["uuid"], uuid.UUID(b["uuid"]), other_course["uuid"], str(uuid.uuid4())]
    )
    assert result == {a["uuid"]: "a", b["uuid"]: "b"}
    assert api.get_student_ids_by_submission_uuid(COURSE, []) == {}


@pytest.mark.parametrize("bad", [["not-a-uuid"], "a-string", None, [5]])
def test_student_ids_by_submission_uuid_bad_input(bad):
    with pytest.raises(SubmissionRequestError):
        api.get_student_ids_by_submission_uuid(COURSE, bad)


# -- database errors of get_submissions --


def test_get_submissions_database_error_is_internal_and_not_found():
    """4.x reported it as SubmissionNotFoundError only; the new class is both."""
    api.create_submission(item("a"), "x")
    with connection.execute_wrapper(fail_on("SELECT")), pytest.raises(SubmissionStorageError) as excinfo:
        api.get_submissions(item("a"))
    assert isinstance(excinfo.value, SubmissionInternalError)
    assert isinstance(excinfo.value, api.SubmissionNotFoundError)


def test_get_submission_database_error_is_internal():
    data = api.create_submission(item("a"), "x")
    with connection.execute_wrapper(fail_on("SELECT")), pytest.raises(SubmissionInternalError):
        api.get_submission(data["uuid"])


# -- the legacy hyphenated uuids (EDUCATOR-1090) --


def _store_hyphenated(submission_uuid):
    """Rewrite the uuid column the way old MySQL databases hold it: 36 characters, hyphenated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE submissions_submission SET uuid = %s WHERE id = %s",
            [str(submission_uuid), Submission.objects.get(uuid=submission_uuid).pk],
        )


def _raw_uuid_column():
    with connection.cursor() as cursor:
        cursor.execute("SELECT uuid FROM submissions_submission")
        return [str(value) for (value,) in cursor.fetchall()]


def test_legacy_lookup_is_parameterised_and_backend_neutral():
    """4.x spliced the value into MySQL-only SQL with backticks (failed on PostgreSQL)."""
    data = api.create_submission(item("a"), "x")
    found = lookup.legacy_uuid_lookup(data["uuid"])
    if connection.vendor == "sqlite":
        assert found is None  # stored as 32 hex digits: the hyphenated form does not match
        _store_hyphenated(uuid.UUID(data["uuid"]))
        found = lookup.legacy_uuid_lookup(data["uuid"])
    assert found is not None and str(found.uuid) == data["uuid"]
    assert lookup.legacy_uuid_lookup(str(uuid.uuid4())) is None
    with pytest.raises(ValueError):
        lookup.legacy_uuid_lookup("x' OR '1'='1")


#: Runs a test on SQLite only: PostgreSQL and MariaDB have native uuid columns, which cannot hold the legacy form.
legacy_uuid_database_only = pytest.mark.skipif(
    "not __import__('django.db', fromlist=['connection']).connection.vendor == 'sqlite'",
    reason="only databases without a native uuid column can hold the legacy form",
)


@legacy_uuid_database_only
def test_legacy_hyphenated_uuid_is_found_without_writing(django_assert_num_queries):
    data = api.create_submission(item("a"), "x")
    api.set_score(data["uuid"], 1, 2)
    _store_hyphenated(uuid.UUID(data["uuid"]))
    before = _raw_uuid_column()
    assert "-" in before[0]
    with django_assert_num_queries(2):
        assert api.get_submission(data["uuid"])["uuid"] == data["uuid"]
    assert api.get_latest_score_for_submission(data["uuid"])["points_earned"] == 1
    api.set_score(data["uuid"], 2, 2)
    assert _raw_uuid_column() == before  # 4.x rewrote the row from this read


# -- the read replica --


@pytest.fixture
def read_replica():
    """
    A ``read_replica`` alias pointing at the test database: a second, real connection, opened
    here (the test case only allows the aliases it knew at set-up to connect lazily).
    """
    from django.db import connections

    replica = dict(connections["default"].settings_dict)
    connections.settings["read_replica"] = replica  # the very dict of settings.DATABASES
    connections["read_replica"].connect()
    yield "read_replica"
    connections["read_replica"].close()
    del connections.settings["read_replica"]
    if hasattr(connections._connections, "read_replica"):
        delattr(connections._connections, "read_replica")


def test_use_read_replica_without_replica():
    queryset = Submission.objects.all()
    assert api._use_read_replica(queryset).db == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_go_to_the_read_replica_when_configured(read_replica):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    assert api._use_read_replica(Submission.objects.all()).db == "read_replica"
    data = api.create_submission(item("a"), "x")
    api.set_score(data["uuid"], 1, 2)
    replica = connections["read_replica"]
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_default:
        assert api.get_submission(data["uuid"], read_replica=True)["uuid"] == data["uuid"]
        assert len(list(api.get_all_submissions(COURSE, ITEM, TYPE))) == 1
        assert len(list(api.get_all_course_submission_information(COURSE, TYPE))) == 1
        assert api.get_top_submissions(COURSE, ITEM, TYPE, 3)[0]["score"] == 1
        assert api.get_student_ids_by_submission_uuid(COURSE, [data["uuid"]]) == {data["uuid"]: "a"}
        assert api.get_latest_score_for_submission(data["uuid"], read_replica=True)["points_earned"] == 1
        assert api.get_latest_scores_for_submissions([data["uuid"]], read_replica=True)[data["uuid"]]["points_earned"]
        cache.clear()
        assert api.get_submission_and_student(data["uuid"], read_replica=True)["student_item"] == item("a")
    assert len(on_replica.captured_queries) >= 7
    assert on_default.captured_queries == []
    # read_replica=False stays on the default database
    cache.clear()
    with CaptureQueriesContext(replica) as on_replica:
        api.get_submission(data["uuid"])
        list(api.get_all_submissions(COURSE, ITEM, TYPE, read_replica=False))
    assert on_replica.captured_queries == []
    StudentItem.objects.all().delete()


# -- bad input of the bulk reads --


@pytest.mark.parametrize(
    "call",
    [
        lambda: api.get_all_submissions(COURSE, 5, TYPE),
        lambda: api.get_all_submissions(COURSE, ITEM, ["t"]),
        lambda: api.get_all_course_submission_information({"c": 1}, TYPE),
        lambda: api.get_top_submissions(COURSE, ITEM, 7, 3),
        lambda: api.get_student_ids_by_submission_uuid(b"c", []),
    ],
)
def test_bulk_reads_reject_non_string_ids_when_called(call, django_assert_num_queries):
    """The generators check their arguments at the call, not at the first ``next()`` (None: test_none_id_reads)."""
    with django_assert_num_queries(0), pytest.raises(SubmissionRequestError):
        call()


def test_bulk_reads_with_unicode_and_blank_ids():
    data = api.create_submission(item("ü", course_id="cours-é", item_id="élément"), "réponse")
    assert [row["uuid"] for row in api.get_all_submissions("cours-é", "élément", TYPE)] == [data["uuid"]]
    assert len(list(api.get_all_course_submission_information("cours-é", TYPE))) == 1
    assert list(api.get_all_submissions("", "", "")) == []
    assert list(api.get_all_course_submission_information("", "")) == []
    assert api.get_top_submissions("", "", "", 3) == []
    assert StudentItem.objects.count() == 1


def test_bulk_reads_accept_course_keys():
    from opaque_keys.edx.keys import CourseKey

    data = api.create_submission(item("a"), "x")
    api.set_score(data["uuid"], 2, 2)
    course_key = CourseKey.from_string(COURSE)
    assert len(list(api.get_all_course_submission_information(course_key, TYPE))) == 1
    assert len(list(api.get_all_submissions(course_key, ITEM, TYPE))) == 1
    assert api.get_top_submissions(course_key, ITEM, TYPE, 1) == [{"score": 2, "content": "x"}]
    assert api.get_student_ids_by_submission_uuid(course_key, [data["uuid"]]) == {data["uuid"]: "a"}


def test_bulk_reads_of_large_answers():
    big = {"text": "x" * 100_000}
    data = api.create_submission(item("a"), big)
    api.set_score(data["uuid"], 1, 1)
    assert api.get_top_submissions(COURSE, ITEM, TYPE, 1)[0]["content"] == big
    assert next(api.get_all_submissions(COURSE, ITEM, TYPE))["answer"] == big
    assert next(api.get_all_course_submission_information(COURSE, TYPE))[1]["answer"] == big
