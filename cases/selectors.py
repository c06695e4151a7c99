"""Read queries for the back office: what each user may see, and label counts by state."""

from django.db.models import Count, Q

from accounts import permissions

from .models import ApplianceModel, Declaration, Document, Label, LabelBatch, LabelState

# Who may use the back office and see which company's rows: accounts.permissions (names kept for callers).
is_reviewer = permissions.is_reviewer
is_manufacturer = permissions.is_manufacturer
can_use_back_office = permissions.can_use_back_office
_scoped = permissions.scope_to_manufacturer


def models_for(user):
    return _scoped(ApplianceModel.objects.select_related("manufacturer"), user, "manufacturer_id")


def declarations_for(user):
    return _scoped(
        Declaration.objects.select_related(
            "appliance_model", "appliance_model__manufacturer", "submitted_by", "reviewed_by"
        ),
        user,
        "appliance_model__manufacturer_id",
    )


def batches_for(user):
    return _scoped(
        LabelBatch.objects.select_related("appliance_model", "appliance_model__manufacturer", "issued_to"),
        user,
        "appliance_model__manufacturer_id",
    )


def labels_for(user):
    return _scoped(
        Label.objects.select_related("appliance_model", "batch").order_by("pk"),
        user,
        "appliance_model__manufacturer_id",
    )


def documents_for(user):
    return _scoped(Document.objects.select_related("appliance_model"), user, "appliance_model__manufacturer_id")


def state_counts(labels):
    """Per brand and model: how many labels are in each state (one GROUP BY query)."""
    per_state = {state: Count("pk", filter=Q(state=state)) for state in LabelState.values}
    return (
        labels.order_by()
        .values("appliance_model", "appliance_model__brand", "appliance_model__model_number")
        .annotate(total=Count("pk"), **per_state)
        .order_by("appliance_model__brand", "appliance_model__model_number")
    )


def batch_state_counts(batch):
    """{state: count} for one batch."""
    rows = Label.objects.filter(batch=batch).order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}
