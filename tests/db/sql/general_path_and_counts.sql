(SELECT "id",
          "created_at"
   FROM "submissions_externalgraderdetail"
   WHERE "queue_name" = %s
     AND "status" = %s
   ORDER BY "status_time" ASC
   LIMIT 24)
UNION ALL
  (SELECT "id",
          "created_at"
   FROM "submissions_externalgraderdetail"
   WHERE "queue_name" = %s
     AND "status" = %s
     AND "status_time" <= %s
   ORDER BY "status_time" ASC
   LIMIT 24)
UNION ALL
  (SELECT "id",
          "created_at"
   FROM "submissions_externalgraderdetail"
   WHERE "queue_name" = %s
     AND "status" = %s
     AND "status_time" <= %s
   ORDER BY "status_time" ASC
   LIMIT 24);

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
       EXISTS
  (SELECT 1
   FROM "submissions_submissionfile" AS f
   WHERE f."external_grader_id" = "submissions_externalgraderdetail"."id")
FROM "submissions_externalgraderdetail"
INNER JOIN "submissions_submission" ON "submissions_submission"."id" = "submissions_externalgraderdetail"."submission_id"
INNER JOIN "submissions_studentitem" ON "submissions_studentitem"."id" = "submissions_submission"."student_item_id"
WHERE "submissions_externalgraderdetail"."id" = ANY(%s)
  AND (("submissions_externalgraderdetail"."status" = %s)
       OR ("submissions_externalgraderdetail"."status" = %s
           AND "submissions_externalgraderdetail"."num_failures" <= %s
           AND "submissions_externalgraderdetail"."status_time" <= %s)
       OR ("submissions_externalgraderdetail"."status" = %s
           AND "submissions_externalgraderdetail"."num_failures" = %s
           AND "submissions_externalgraderdetail"."status_time" <= %s)
       OR ("submissions_externalgraderdetail"."status" = %s
           AND "submissions_externalgraderdetail"."num_failures" = %s
           AND "submissions_externalgraderdetail"."status_time" <= %s)
       OR ("submissions_externalgraderdetail"."status" = %s
           AND "submissions_externalgraderdetail"."num_failures" = %s
           AND "submissions_externalgraderdetail"."status_time" <= %s)
       OR ("submissions_externalgraderdetail"."status" = %s
           AND "submissions_externalgraderdetail"."num_failures" >= %s
           AND "submissions_externalgraderdetail"."status_time" <= %s)
       OR ("submissions_externalgraderdetail"."status" = %s
           AND "submissions_externalgraderdetail"."status_time" <= %s))
ORDER BY "submissions_externalgraderdetail"."created_at" ASC,
         "submissions_externalgraderdetail"."id" ASC
LIMIT 1
FOR
UPDATE OF "submissions_externalgraderdetail" SKIP LOCKED;

SELECT
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail"
   WHERE "submissions_externalgraderdetail"."queue_name" = %s
     AND (("submissions_externalgraderdetail"."status" = %s)
          OR ("submissions_externalgraderdetail"."status" = %s
              AND "submissions_externalgraderdetail"."num_failures" <= %s
              AND "submissions_externalgraderdetail"."status_time" <= %s)
          OR ("submissions_externalgraderdetail"."status" = %s
              AND "submissions_externalgraderdetail"."num_failures" = %s
              AND "submissions_externalgraderdetail"."status_time" <= %s)
          OR ("submissions_externalgraderdetail"."status" = %s
              AND "submissions_externalgraderdetail"."num_failures" = %s
              AND "submissions_externalgraderdetail"."status_time" <= %s)
          OR ("submissions_externalgraderdetail"."status" = %s
              AND "submissions_externalgraderdetail"."num_failures" = %s
              AND "submissions_externalgraderdetail"."status_time" <= %s)
          OR ("submissions_externalgraderdetail"."status" = %s
              AND "submissions_externalgraderdetail"."num_failures" >= %s
              AND "submissions_externalgraderdetail"."status_time" <= %s)
          OR ("submissions_externalgraderdetail"."status" = %s
              AND "submissions_externalgraderdetail"."status_time" <= %s))), EXISTS
  (SELECT 1
   FROM "submissions_externalgraderdetail"
   WHERE "submissions_externalgraderdetail"."queue_name" = %s);
