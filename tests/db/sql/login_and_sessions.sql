SELECT "auth_user"."id",
       "auth_user"."password",
       "auth_user"."last_login",
       "auth_user"."is_superuser",
       "auth_user"."username",
       "auth_user"."first_name",
       "auth_user"."last_name",
       "auth_user"."email",
       "auth_user"."is_staff",
       "auth_user"."is_active",
       "auth_user"."date_joined",
       EXISTS
  (SELECT 1
   FROM "auth_user_groups"
   INNER JOIN "auth_group" ON "auth_group"."id" = "auth_user_groups"."group_id"
   WHERE "auth_user_groups"."user_id" = "auth_user"."id"
     AND "auth_group"."name" = %s)
FROM "auth_user"
WHERE "auth_user"."username" = %s;

INSERT INTO "django_session" ("session_key",
                              "session_data",
                              "expire_date")
VALUES (%s, %s, %s) ON CONFLICT ("session_key") DO NOTHING;

SELECT "session_data"
FROM "django_session"
WHERE "session_key" = %s
  AND "expire_date" > %s;

SELECT "auth_user"."id",
       "auth_user"."password",
       "auth_user"."last_login",
       "auth_user"."is_superuser",
       "auth_user"."username",
       "auth_user"."first_name",
       "auth_user"."last_name",
       "auth_user"."email",
       "auth_user"."is_staff",
       "auth_user"."is_active",
       "auth_user"."date_joined"
FROM "auth_user"
WHERE "auth_user"."id" = %s;
