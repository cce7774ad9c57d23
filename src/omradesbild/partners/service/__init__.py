"""Partners' submissions, interventions, users and the audit log, with authorization.

Every function takes an open :class:`~sqlalchemy.orm.Session` and the acting user as an
:class:`Actor` (``None`` for an anonymous visitor) and checks the actor's rights itself.
The caller owns the transaction (commit or roll back). Every change writes an entry to the
audit log; every change of a submission also writes a full snapshot to
``submission_versions``.

Authorization matrix (what each role may do; each role also has the rights of the rows
above it unless stated)::

    who          sees submissions                        may
    -----------  --------------------------------------  -------------------------------
    anonymous    approved + public                       read interventions
    reader       approved + public/internal              read interventions
    contributor  the same + all of their own             create; edit/submit their own
    analyst      all except other users' drafts,         moderate others' submitted ones;
                 restricted included                     create/edit interventions;
                                                         read the audit log
    admin        everything                              edit any submission; users and
                                                         organisations

No one moderates their own submission. An author's edit of an approved submission sends it
back to moderation (status ``submitted``). A submission the actor may not see is reported
as not found (404), so that its existence is not revealed; an action on a visible object
that the role does not allow raises :class:`PermissionDenied` (403).

The package holds one module per concern: :mod:`.submissions`, :mod:`.moderation`,
:mod:`.access` (who sees and edits what), :mod:`.interventions`, :mod:`.users`
(organisations and users), :mod:`.accounts` (passwords: change, reset link) and
:mod:`.audit`.
"""

from omradesbild.partners.models import Role
from omradesbild.partners.service._common import Actor
from omradesbild.partners.service.access import can_edit, can_moderate, can_view
from omradesbild.partners.service.accounts import (
    RESET_TTL,
    change_password,
    check_reset_token,
    issue_password_reset,
    issue_password_reset_by_operator,
    reset_password,
)
from omradesbild.partners.service.audit import audit, list_audit
from omradesbild.partners.service.interventions import (
    create_intervention,
    get_intervention,
    list_interventions,
)
from omradesbild.partners.service.moderation import moderate_submission, set_visibility
from omradesbild.partners.service.submissions import (
    EXPORT_COLUMNS,
    count_submissions,
    create_submission,
    export_submissions,
    get_submission,
    list_submissions,
    public_revision,
    submission_versions,
    submit_submission,
    update_submission,
)
from omradesbild.partners.service.users import (
    bootstrap_admin,
    create_organisation,
    create_user,
    invite_user,
    list_organisations,
    list_users,
    set_user,
)

__all__ = [
    "EXPORT_COLUMNS",
    "RESET_TTL",
    "Actor",
    "Role",
    "audit",
    "bootstrap_admin",
    "can_edit",
    "can_moderate",
    "can_view",
    "change_password",
    "check_reset_token",
    "count_submissions",
    "create_intervention",
    "create_organisation",
    "create_submission",
    "create_user",
    "export_submissions",
    "get_intervention",
    "get_submission",
    "invite_user",
    "issue_password_reset",
    "issue_password_reset_by_operator",
    "list_audit",
    "list_interventions",
    "list_organisations",
    "list_submissions",
    "list_users",
    "moderate_submission",
    "public_revision",
    "reset_password",
    "set_user",
    "set_visibility",
    "submission_versions",
    "submit_submission",
    "update_submission",
]
