UPDATE "submissions_scoreeventdelivery"
SET "next_attempt_at" = %s
WHERE "id" = %s
  AND "delivered_at" IS NULL
  AND "attempts" = 1
  AND "next_attempt_at" = %s;

UPDATE "submissions_scoreeventdelivery"
SET "payload" = %s,
    "delivered_at" = %s,
    "last_error" = ''
WHERE "id" = %s;
