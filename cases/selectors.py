"""Read queries for the back office: what each user may see, and label counts by state."""

from django.db.models import Count, Q

from accounts import roles

from .models import ApplianceModel, Declaration, Document, Label, LabelBatch, LabelState


def is_reviewer(user):
    return user.is_authenticated and (user.is_superuser or roles.has_role(user, roles.REVIEWER))


def is_manufacturer(user):
    return user.is_authenticated and roles.has_role(user, roles.MANUFACTURER) and user.organization_id is not None


def can_use_back_office(user):
    return is_reviewer(user) or is_manufacturer(user)


def _scoped(queryset, user, manufacturer_path):
    """Reviewers see everything, manufacturer staff only their own company's rows, everyone else nothing."""
    if is_reviewer(user):
        return queryset
    if is_manufacturer(user):
        return queryset.filter(**{manufacturer_path: user.organization_id})
    return queryset.none()


def models_for(user):
    return _scoped(ApplianceModel.objects.select_related("manufacturer"), user, "manufacturer_id")


def declarations_for(user):
    return _scoped(
        Declaration.objects.select_related("appliance_model", "appliance_model__manufacturer", "submitted_by",
                                           "reviewed_by"),
        user, "appliance_model__manufacturer_id",
    )


def batches_for(user):
    return _scoped(
        LabelBatch.objects.select_related("appliance_model", "appliance_model__manufacturer", "issued_to"),
        user, "appliance_model__manufacturer_id",
    )


def labels_for(user):
    return _scoped(Label.objects.select_related("appliance_model", "batch").order_by("pk"), user,
                   "appliance_model__manufacturer_id")


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
