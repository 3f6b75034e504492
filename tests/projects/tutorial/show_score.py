# Run with: python manage.py shell < show_score.py
from submissions import api

student_item = {"student_id": "alice", "course_id": "course-v1:Demo+CS1+2026", "item_id": "sum", "item_type": "problem"}
score = api.get_score(student_item)
print("score", score["points_earned"], "/", score["points_possible"])
