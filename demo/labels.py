"""Demo label batches for `manage.py seed_demo`: run through the real review flow, idempotent.

So the scan / install / ignite demos have genuine labels: 20 activated labels
of a 12T cooktop issued to its dealer, and 5 of the 20Y (LPG) cooktop that does
not fit the city's gas.
"""

from accounts.models import User
from cases.models import ApplianceModel, Declaration
from cases.services.batches import generate_labels
from cases.services.declarations import Decision, create_declaration
from workflows.declaration import services as steps
from workflows.declaration.flow import DeclarationFlow, generate_inline

# (manufacturer user, brand, model number, quantity, dealer org name)
DEMO_BATCHES = [
    ("maker", "华焰", "JZT-2H10", 20, "深圳福田燃具销售有限公司"),
    ("maker2", "安泰", "JZY-A20", 5, "深圳南山家电商行"),
]


def seed_demo_labels():
    reviewer = User.objects.get(username="reviewer")
    created = []
    for username, brand, number, quantity, dealer_name in DEMO_BATCHES:
        model = ApplianceModel.objects.get(brand=brand, model_number=number)
        if Declaration.objects.filter(appliance_model=model).exists():
            continue  # already seeded (or declared by hand): leave it alone
        maker = User.objects.get(username=username)
        declaration = create_declaration(appliance_model=model, quantity=quantity, user=maker)
        steps.submit(declaration=declaration)
        token = generate_inline.set(True)
        try:
            steps.review(
                task_id=steps.open_task(declaration=declaration, node=DeclarationFlow.review).pk,
                user=reviewer,
                decision=Decision.APPROVE,
            )
        finally:
            generate_inline.reset(token)
        generate_labels(batch_id=declaration.batch.pk)
        steps.labels_ready(declaration.batch.pk)
        steps.confirm_print(
            task_id=steps.open_task(declaration=declaration, node=DeclarationFlow.print_batch).pk, user=reviewer
        )
        steps.activate(
            task_id=steps.open_task(declaration=declaration, node=DeclarationFlow.activate_batch).pk, user=reviewer
        )
        dealer = model.dealers.get(name=dealer_name)
        steps.issue(
            task_id=steps.open_task(declaration=declaration, node=DeclarationFlow.issue_batch).pk,
            user=reviewer,
            issued_to=dealer,
        )
        created.append(declaration)
    return created
