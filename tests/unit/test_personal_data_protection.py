import base64

import pytest
from cryptography.exceptions import InvalidTag

from chassis.crypto import FieldCipher, mask_phone

OLD = "k1:" + base64.b64encode(b"1" * 32).decode()
NEW = "k2:" + base64.b64encode(b"2" * 32).decode()


def test_a_sealed_value_opens_to_the_original_and_does_not_contain_it():
    cipher = FieldCipher(OLD, "index-key")
    sealed = cipher.seal("+8613812345678", "citizen.phone")
    assert "13812345678" not in sealed
    assert sealed.startswith("k1:")
    assert cipher.open(sealed, "citizen.phone") == "+8613812345678"


def test_sealing_the_same_value_twice_gives_different_ciphertexts():
    cipher = FieldCipher(OLD, "index-key")
    assert cipher.seal("x", "c") != cipher.seal("x", "c")


def test_after_a_key_rotation_old_values_still_open_and_new_ones_use_the_new_key():
    sealed_before = FieldCipher(OLD, "i").seal("+8613812345678", "citizen.phone")
    rotated = FieldCipher(f"{NEW},{OLD}", "i")
    assert rotated.open(sealed_before, "citizen.phone") == "+8613812345678"
    assert rotated.seal("+8613812345678", "citizen.phone").startswith("k2:")


def test_a_value_sealed_for_one_column_does_not_open_as_another():
    cipher = FieldCipher(OLD, "i")
    with pytest.raises(InvalidTag):
        cipher.open(cipher.seal("secret", "partner.secret"), "citizen.phone")


def test_the_blind_index_is_stable_and_depends_on_the_key():
    one, other = FieldCipher(OLD, "key-a"), FieldCipher(OLD, "key-b")
    assert one.blind_index("+86138", "p") == one.blind_index("+86138", "p")
    assert one.blind_index("+86138", "p") != other.blind_index("+86138", "p")


def test_a_key_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="must be 32 bytes"):
        FieldCipher("bad:" + base64.b64encode(b"short").decode(), "i")


def test_phone_numbers_are_masked_in_the_middle():
    assert mask_phone("+8613812345678") == "+86138****5678"
