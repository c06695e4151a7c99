"""What remediation's services ask of the case's viewflow process (answered by workflows/remediation/).

start_case(**fields) -> RemediationCase: open the process with the case's fields.
complete_step(case, step): mark the case's open `step` task ("contact" or "remedy") done;
raises remediation.services.errors.RemediationError (409) when it is already done.
"""

from core.hooks import Hook

start_case = Hook("remediation.start_case")
complete_step = Hook("remediation.complete_step")
