"""
The operations of the instructor API. Views, task wrappers and commands call these functions; they
check permissions through the grading backend, own the transactions, and are the only code that
changes state.
"""

from submissions.instructor_v2.services.learners import (
    delete_state,
    get_grading_config,
    get_learner,
    get_problem,
    override_score,
    rescore,
    reset_attempts,
)
from submissions.instructor_v2.services.tasks import (
    fail_stalled_tasks,
    fail_task,
    get_task_status,
    run_task,
    start_task,
    task_status,
)

__all__ = [
    "delete_state",
    "fail_stalled_tasks",
    "fail_task",
    "get_grading_config",
    "get_learner",
    "get_problem",
    "get_task_status",
    "override_score",
    "rescore",
    "reset_attempts",
    "run_task",
    "start_task",
    "task_status",
]
