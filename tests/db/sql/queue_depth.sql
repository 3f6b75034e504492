WITH RECURSIVE queues (name) AS
  (SELECT MIN("queue_name")
   FROM "submissions_externalgraderdetail"
   UNION ALL SELECT
     (SELECT MIN("queue_name")
      FROM "submissions_externalgraderdetail"
      WHERE "queue_name" > queues.name)
   FROM queues
   WHERE queues.name IS NOT NULL)
SELECT queues.name,
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s),
  (SELECT MIN(g."status_time")
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s),
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s),
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s
     AND ((g."status" = %s
           AND g."status_time" <= %s))),
  (SELECT MIN(g."status_time")
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s
     AND ((g."status" = %s
           AND g."status_time" <= %s))),
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s),
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s
     AND ((g."status" = %s
           AND g."num_failures" <= %s
           AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" = %s
              AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" = %s
              AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" = %s
              AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" >= %s
              AND g."status_time" <= %s))),
  (SELECT MIN(g."status_time")
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s
     AND ((g."status" = %s
           AND g."num_failures" <= %s
           AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" = %s
              AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" = %s
              AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" = %s
              AND g."status_time" <= %s)
          OR (g."status" = %s
              AND g."num_failures" >= %s
              AND g."status_time" <= %s))),
  (SELECT COUNT(*)
   FROM "submissions_externalgraderdetail" g
   WHERE g."queue_name" = queues.name
     AND g."status" = %s)
FROM queues
WHERE queues.name IS NOT NULL;
