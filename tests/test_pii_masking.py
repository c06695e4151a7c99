"""accounts.pii: the masked forms everyone but the caller sees."""

import pytest

from accounts.pii import address_for, mask_address, mask_phone, phone_for


@pytest.mark.parametrize(
    "phone,masked",
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "861****5678"),  # never more than 3 + 4 digits shown
        ("123456", "******"),  # too short to show any part
        ("", ""),
        (None, ""),
    ],
)
def test_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "address,masked",
    [
        ("南山区科技园科苑路8号3栋1201", "南山区科技园****"),
        ("福田区", "福田*"),
        ("", ""),
    ],
)
def test_address_keeps_only_the_area(address, masked):
    assert mask_address(address) == masked
    assert "1201" not in mask_address(address)


def test_whole_only_for_the_caller():
    assert phone_for("13812345678", may_call=True) == "13812345678"
    assert phone_for("13812345678", may_call=False) == "138****5678"
    assert address_for("南山区科技园科苑路8号", may_call=False) == "南山区科技园****"
