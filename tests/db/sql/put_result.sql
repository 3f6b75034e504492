SELECT "submissions_externalgraderdetail"."id",
       "submissions_externalgraderdetail"."submission_id",
       "submissions_externalgraderdetail"."queue_name",
       "submissions_externalgraderdetail"."queue_key",
       "submissions_externalgraderdetail"."grader_file_name",
       "submissions_externalgraderdetail"."points_possible",
       "submissions_externalgraderdetail"."status",
       "submissions_externalgraderdetail"."pullkey",
       "submissions_externalgraderdetail"."grader_reply",
       "submissions_externalgraderdetail"."status_time",
       "submissions_externalgraderdetail"."created_at",
       "submissions_externalgraderdetail"."num_failures",
       "submissions_externalgraderdetail"."num_attempts",
       "submissions_externalgraderdetail"."grader_payload",
       "submissions_externalgraderdetail"."student_info",
       "submissions_externalgraderdetail"."only_if_higher",
       "submissions_submission"."id",
       "submissions_submission"."uuid",
       "submissions_submission"."student_item_id",
       "submissions_submission"."attempt_number",
       "submissions_submission"."submitted_at",
       "submissions_submission"."created_at",
       "submissions_submission"."raw_answer",
       "submissions_submission"."status",
       "submissions_submission"."team_submission_id",
       "submissions_studentitem"."id",
       "submissions_studentitem"."student_id",
       "submissions_studentitem"."course_id",
       "submissions_studentitem"."item_id",
       "submissions_studentitem"."item_type",
       nextval(%s)
FROM "submissions_externalgraderdetail"
INNER JOIN "submissions_submission" ON "submissions_submission"."id" = "submissions_externalgraderdetail"."submission_id"
INNER JOIN "submissions_studentitem" ON "submissions_studentitem"."id" = "submissions_submission"."student_item_id"
WHERE "submissions_externalgraderdetail"."submission_id" = %s
  FOR
  UPDATE OF "submissions_externalgraderdetail" NOWAIT
  FOR NO KEY
  UPDATE OF "submissions_studentitem";

INSERT INTO "submissions_score" ("id",
                                 "student_item_id",
                                 "submission_id",
                                 "points_earned",
                                 "points_possible",
                                 "created_at",
                                 "reset")
VALUES (%s, %s, %s, %s, %s, %s, %s);

INSERT INTO "submissions_scoresummary" ("student_item_id",
                                        "highest_id",
                                        "latest_id")
VALUES (%s, %s, %s) ON CONFLICT ("student_item_id") DO
UPDATE
SET "latest_id" = EXCLUDED."latest_id",
    "highest_id" = CASE
                       WHEN
                              (SELECT h."points_possible" = 0
                               OR %s > CAST(h."points_earned" AS double precision) / h."points_possible"
                               FROM "submissions_score" h
                               WHERE h."id" = "submissions_scoresummary"."highest_id") THEN EXCLUDED."highest_id"
                       ELSE "submissions_scoresummary"."highest_id"
                   END;

UPDATE "submissions_externalgraderdetail"
SET "status" = %s,
    "grader_reply" = %s,
    "status_time" = %s
WHERE "id" = %s;

INSERT INTO "submissions_scoreeventdelivery" ("external_grader_id",
                                              "kind",
                                              "payload",
                                              "created_at",
                                              "attempts",
                                              "next_attempt_at",
                                              "delivered_at",
                                              "last_error")
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING "id";
