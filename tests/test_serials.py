import pytest

from core import serials


def test_new_serials_have_fixed_length_and_validate():
    batch = {serials.new_serial() for _ in range(2000)}
    assert len(batch) == 2000
    assert {len(s) for s in batch} == {serials.SERIAL_LENGTH}
    assert all(serials.is_valid(s) for s in batch)


def test_typing_slips_are_forgiven():
    serial = serials.new_serial()
    typed = " " + "-".join([serial[:4], serial[4:9], serial[9:]]).lower().replace("1", "l").replace("0", "o") + " "
    assert serials.normalize(typed) == serial


def test_a_serial_typed_in_full_width_is_the_same_serial():
    # A Chinese input method in full-width mode (全角) types ＡＢ１２－…: a genuine label, not a malformed code.
    serial = serials.new_serial()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in serial[:7]) + "\uff0d" + serial[7:].lower() + "\u3000"
    assert serials.normalize(full_width) == serial
    assert serials.parse_code(full_width) == serial
    assert not serials.is_valid("١" * 14)  # other scripts' digits are still not a serial


@pytest.mark.parametrize("position", range(13))
def test_any_single_wrong_character_is_caught(position):
    serial = serials.new_serial()
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    wrong = next(c for c in alphabet if c != serial[position])
    assert not serials.is_valid(serial[:position] + wrong + serial[position + 1 :])


def test_swapped_neighbours_are_caught():
    serial = next(s for s in iter(serials.new_serial, None) if s[3] != s[4])
    swapped = serial[:3] + serial[4] + serial[3] + serial[5:]
    assert not serials.is_valid(swapped)


@pytest.mark.parametrize("text", ["", "ABC", "!" * 14, None, "U" * 14])
def test_garbage_is_rejected_with_invalid_serial(text):
    with pytest.raises(serials.InvalidSerial):
        serials.normalize(text)


def test_new_serials_use_only_letters_and_digits_of_a_phone_keyboard():
    seen = "".join(serials.new_serial() for _ in range(3000))
    assert set(seen) <= set(serials.ALPHABET)
    # The check symbol spreads over the whole alphabet (it is not stuck on a few values).
    assert len({serial[-1] for serial in (serials.new_serial() for _ in range(2000))}) == len(serials.ALPHABET)


@pytest.mark.parametrize("check", "*~$=U")
def test_serials_issued_with_the_old_check_symbols_keep_resolving(check):
    import base32_crockford

    number = next(
        n for n in range(1 << 64, (1 << 64) + 10_000) if base32_crockford.encode(n, checksum=True)[-1] == check
    )
    issued = base32_crockford.encode(number, checksum=True)
    assert serials.normalize(issued.lower()) == issued
    assert not serials.is_valid(issued[:-1] + "0")
