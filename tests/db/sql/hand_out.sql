WITH picked AS
  (SELECT "id" AS id
   FROM "submissions_externalgraderdetail"
   WHERE "id" IN
       (SELECT c.id
        FROM (
                (SELECT "id",
                        "created_at"
                 FROM "submissions_externalgraderdetail"
                 WHERE "queue_name" = 'q1'
                   AND "status" = 'pending'
                 ORDER BY "status_time" ASC
                 LIMIT 24)
              UNION ALL
                (SELECT "id",
                        "created_at"
                 FROM "submissions_externalgraderdetail"
                 WHERE "queue_name" = 'q1'
                   AND "status" = 'retry'
                   AND "status_time" <= %s
                 ORDER BY "status_time" ASC
                 LIMIT 24)
              UNION ALL
                (SELECT "id",
                        "created_at"
                 FROM "submissions_externalgraderdetail"
                 WHERE "queue_name" = 'q1'
                   AND "status" = 'pulled'
                   AND "status_time" <= %s
                 ORDER BY "status_time" ASC
                 LIMIT 24)) AS c
        ORDER BY c.created_at ASC,
                 c.id ASC
        LIMIT 12)
     AND (("status" = %s)
          OR ("status" = %s
              AND "num_failures" <= %s
              AND "status_time" <= %s)
          OR ("status" = %s
              AND "num_failures" = %s
              AND "status_time" <= %s)
          OR ("status" = %s
              AND "num_failures" = %s
              AND "status_time" <= %s)
          OR ("status" = %s
              AND "num_failures" = %s
              AND "status_time" <= %s)
          OR ("status" = %s
              AND "num_failures" >= %s
              AND "status_time" <= %s)
          OR ("status" = %s
              AND "status_time" <= %s))
   ORDER BY "created_at" ASC,
            "id" ASC
   LIMIT 1
   FOR UPDATE SKIP LOCKED),
     handed AS
  (UPDATE "submissions_externalgraderdetail" AS g
   SET "status" = %s,
       "pullkey" = %s,
       "num_attempts" = COALESCE(g."num_attempts", 0) + 1,
       "status_time" = %s
   FROM picked
   WHERE g."id" = picked.id
     AND COALESCE(g."num_attempts", 0) < %s RETURNING g."id",
                                                      g."submission_id",
                                                      g."queue_name",
                                                      g."queue_key",
                                                      g."grader_file_name",
                                                      g."points_possible",
                                                      g."status",
                                                      g."pullkey",
                                                      g."grader_reply",
                                                      g."status_time",
                                                      g."created_at",
                                                      g."num_failures",
                                                      g."num_attempts",
                                                      g."grader_payload",
                                                      g."student_info",
                                                      g."only_if_higher")
SELECT handed."id",
       handed."submission_id",
       handed."queue_name",
       handed."queue_key",
       handed."grader_file_name",
       handed."points_possible",
       handed."status",
       handed."pullkey",
       handed."grader_reply",
       handed."status_time",
       handed."created_at",
       handed."num_failures",
       handed."num_attempts",
       handed."grader_payload",
       handed."student_info",
       handed."only_if_higher",
       s."id",
       s."uuid",
       s."student_item_id",
       s."attempt_number",
       s."submitted_at",
       s."created_at",
       s."raw_answer",
       s."status",
       s."team_submission_id",
       i."id",
       i."student_id",
       i."course_id",
       i."item_id",
       i."item_type",
       EXISTS
  (SELECT 1
   FROM "submissions_submissionfile" AS f
   WHERE f."external_grader_id" = handed."id"), CASE
                                                    WHEN handed."id" IS NULL THEN EXISTS
                                                           (SELECT 1
                                                            FROM (
                                                                    (SELECT "id",
                                                                            "created_at"
                                                                     FROM "submissions_externalgraderdetail"
                                                                     WHERE "queue_name" = 'q1'
                                                                       AND "status" = 'pending'
                                                                     ORDER BY "status_time" ASC
                                                                     LIMIT 24)
                                                                  UNION ALL
                                                                    (SELECT "id",
                                                                            "created_at"
                                                                     FROM "submissions_externalgraderdetail"
                                                                     WHERE "queue_name" = 'q1'
                                                                       AND "status" = 'retry'
                                                                       AND "status_time" <= %s
                                                                     ORDER BY "status_time" ASC
                                                                     LIMIT 24)
                                                                  UNION ALL
                                                                    (SELECT "id",
                                                                            "created_at"
                                                                     FROM "submissions_externalgraderdetail"
                                                                     WHERE "queue_name" = 'q1'
                                                                       AND "status" = 'pulled'
                                                                       AND "status_time" <= %s
                                                                     ORDER BY "status_time" ASC
                                                                     LIMIT 24)) AS e)
                                                END,
                                                CASE
                                                    WHEN handed."id" IS NULL THEN EXISTS
                                                           (SELECT 1
                                                            FROM "submissions_externalgraderdetail" AS q
                                                            WHERE q."queue_name" = 'q1')
                                                END
FROM (
      VALUES (1)) AS one
LEFT JOIN (handed
           INNER JOIN "submissions_submission" AS s ON s."id" = handed."submission_id"
           INNER JOIN "submissions_studentitem" AS i ON i."id" = s."student_item_id") ON TRUE;
