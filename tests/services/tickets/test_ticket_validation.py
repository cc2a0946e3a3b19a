"""What people type, read the way they mean it: ticket numbers and words."""

from __future__ import annotations

import pytest

from services.errors import InvalidInput
from services.tickets import validation as check
from services.tickets.validation import has_words, phone, ticket_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2611-0042", "2611-0042"),
        (" #2611-0042 ", "2611-0042"),
        ("２６１１－００４２", "2611-0042"),  # a Chinese input method in full-width mode
        ("26110042", "2611-0042"),  # read out on the phone, no dash
        ("2611-10042", "2611-10042"),
        ("2611-99999", "2611-99999"),
        ("2611-1", None),
        ("abc", None),
        ("-1", None),
        ("2611-0042x", None),
        ("", None),
    ],
)
def test_ticket_numbers_as_typed(typed: str, number: str | None) -> None:
    assert ticket_number(typed) == number


def test_words_are_letters_chinese_characters_or_digits() -> None:
    assert has_words("3号楼") and has_words("Building") and has_words("楼")
    assert not has_words("😀😀") and not has_words("！？…") and not has_words("   ")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("021－12345678", "021-12345678"),  # full-width dash
        ("+86 21 1234 5678", "021-12345678"),  # international form drops the trunk 0
        ("+86-21-12345678", "021-12345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
    ],
)
def test_phone_numbers_as_typed(typed: str, stored: str) -> None:
    assert phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "+86 12345", "021-123", "2112345678"])
def test_not_phone_numbers(typed: str) -> None:
    with pytest.raises(InvalidInput):
        phone(typed)


def test_lengths_are_counted_as_telegram_counts_them() -> None:
    # An emoji is two UTF-16 units: 1,500 of them pass a 2,000-character count but would make
    # a card Telegram refuses, so they are refused at input, where the resident can shorten.
    with pytest.raises(InvalidInput, match="emoji counts as two"):
        check.description("楼道里很吵" + "😡" * 1000)
    assert check.description("楼道里很吵" + "😡" * 997).startswith("楼道里很吵")
    with pytest.raises(InvalidInput):
        check.message("🙏" * 1501)
