"""The SMS template list: the README names every template with its parameters; texts use exactly them."""

import re
import string
from pathlib import Path

import pytest

from remediation import sms

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_lists_every_template_with_its_parameters_and_text():
    for template in sms.TEMPLATES.values():
        params = ", ".join(f"`{name}`" for name in template.params)
        row = f"| `{template.name}` | {template.purpose} | {params} | {template.text} |"
        assert row in README, f"README is missing or out of date for {template.name}"
    listed = set(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| `", README, flags=re.M))
    assert listed == set(sms.TEMPLATES)


def test_each_text_uses_exactly_its_parameters():
    for template in sms.TEMPLATES.values():
        used = {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(template.text)}
        assert used == set(template.params), template.name


def test_a_missing_or_extra_parameter_is_refused_before_any_provider_sees_it():
    with pytest.raises(ValueError):
        sms.check_params("case_closed", {})
    with pytest.raises(ValueError):
        sms.check_params("case_closed", {"case": 1, "phone": "13800000000"})
    assert sms.check_params("case_closed", {"case": 1}) == {"case": "1"}
