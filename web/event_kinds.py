"""What each kind of audit event is called on a page ("task_completed" -> "Task completed").

The one place the words for event kinds live; tests/web/test_event_kinds.py fails if the engine records a kind
that has none.
"""
from __future__ import annotations

EVENT_KIND_NAMES = {
    "instance_started": "Project started",
    "instance_completed": "Project finished",
    "instance_migrated": "Project moved to another version",
    "instance_held": "Project put on hold",
    "instance_resumed": "Project resumed",
    "instance_withdrawn": "Project withdrawn",
    "instance_stopped": "Project stopped",
    "task_ready": "Task ready",
    "task_claimed": "Task claimed",
    "task_released": "Task released",
    "task_completed": "Task completed",
    "task_cancelled": "Task cancelled",
    "task_reassigned": "Task reassigned",
    "gateway_taken": "Route chosen at a decision point",
    "decision_made": "Decision table applied",
    "timer_fired": "Time limit reached",
    "version_deployed": "New process version deployed",
    "user_added": "User added",
    "user_disabled": "User disabled",
    "user_enabled": "User re-enabled",
    "user_roles_changed": "User's roles changed",
    "user_organisation_changed": "User's organisation changed",
    "user_email_changed": "User's e-mail address changed",
    "user_name_changed": "User's name changed",
    "token_created": "API token created",
    "delegation_set": "Out-of-office cover set",
    "delegation_ended": "Out-of-office cover ended",
    "token_revoked": "API token revoked",
    "login_succeeded": "Signed in",
    "login_failed": "Sign-in refused",
    "login_locked_out": "Sign-in locked for a while after repeated failures",
    "password_accepted": "Password accepted, second factor asked",
    "second_factor_failed": "Second-factor code refused",
    "second_factor_enrolled": "Authenticator app set up",
    "second_factor_removed": "Authenticator app removed",
    "recovery_code_used": "Recovery code used",
    "recovery_codes_replaced": "Recovery codes replaced with a new set",
    "second_factor_rule_changed": "Who must use a second factor changed",
    "password_changed": "Password changed",
    "signed_out": "Signed out",
    "single_sign_on_refused": "Single sign-on refused",
    "identity_linked": "Identity-provider account linked",
    "identity_unlinked": "Identity-provider account unlinked",
    "role_mapping_changed": "Group-to-role mapping changed",
    "past_project_recorded": "Past project recorded",
    "personal_data_viewed": "Personal data viewed by an auditor",
    "comment_posted": "Comment posted",
    "document_downloaded": "Document downloaded",
}


def event_kind_name(kind: str) -> str:
    """The kind in words; a kind the list does not know yet is shown with its underscores as spaces."""
    return EVENT_KIND_NAMES.get(kind, kind.replace("_", " ").capitalize())
