"""What the cases app asks of the process that drives a declaration (answered by workflows/declaration/)."""

from core.hooks import Hook

# labels_generated(batch_id): the batch's labels exist; the declaration's process may move on to printing.
labels_generated = Hook("cases.labels_generated")
