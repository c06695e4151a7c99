"""Shared factory_boy factories for organisations, users, appliance models and labels."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import Organization, User
from cases.models import ApplianceModel, Declaration, Label, LabelBatch
from core import serials

PASSWORD = "test-pass-123"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Organization.Kind.MANUFACTURER
    licence_number = factory.Sequence(lambda n: f"LIC-{n:05d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


class ApplianceModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplianceModel

    manufacturer = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.MANUFACTURER)
    brand = "测试牌"
    model_number = factory.Sequence(lambda n: f"JZT-{n:04d}")
    category = "cooktop"
    gas_category = "12T"
    rated_heat_input_kw = Decimal("4.20")


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    appliance_model = factory.SubFactory(ApplianceModelFactory)
    quantity = 10


class LabelBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelBatch

    declaration = factory.SubFactory(DeclarationFactory)
    appliance_model = factory.SelfAttribute("declaration.appliance_model")
    quantity = factory.SelfAttribute("declaration.quantity")


class LabelFactory(factory.django.DjangoModelFactory):
    """A label in any state: pass state="activated" etc. (set directly, as a fixture would)."""

    class Meta:
        model = Label

    serial = factory.LazyFunction(serials.new_serial)
    batch = factory.SubFactory(LabelBatchFactory)
    appliance_model = factory.SelfAttribute("batch.appliance_model")
