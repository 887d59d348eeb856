"""Contact details are never silently changed (issue 15, 1): a phone number with letters
is refused (the phone library would read them as keypad digits), and a postal code must
be one of the clinic's country."""

from __future__ import annotations

import pytest
from django import forms

from clinic.forms import normalise_phone, normalise_postal_code


@pytest.mark.parametrize("typed", ["617-55x-abcd", "1-800-FLOWERS", "617 555 O134"])
def test_a_phone_number_with_letters_is_refused(typed) -> None:
    with pytest.raises(forms.ValidationError, match="digits only"):
        normalise_phone(typed)


def test_a_phone_number_is_stored_in_e164() -> None:
    assert normalise_phone("(617) 555-0134") == "+16175550134"


@pytest.mark.parametrize("typed", ["0213A", "2139", "021390", "ABCDE", "02139-43"])
def test_a_us_zip_code_must_have_five_digits(typed) -> None:
    with pytest.raises(forms.ValidationError, match="5-digit ZIP code"):
        normalise_postal_code(typed)


@pytest.mark.parametrize(("typed", "stored"), [("02139", "02139"), (" 02139-4307 ", "02139-4307")])
def test_a_valid_zip_code_is_kept(typed, stored) -> None:
    assert normalise_postal_code(typed) == stored


def test_the_clinics_country_decides_the_postal_code_rule(settings) -> None:
    settings.CLINIC_COUNTRY = "CA"
    assert normalise_postal_code("k1a 0b1") == "K1A 0B1"
    with pytest.raises(forms.ValidationError):
        normalise_postal_code("02139")


def test_the_patient_details_page_keeps_the_number_and_says_why(login, personas) -> None:
    from django.urls import reverse

    patient = personas.patient_a
    page = login(personas.coordinator).post(
        reverse("patient_edit", args=[patient.pk]),
        {
            "legal_first_name": patient.legal_first_name,
            "legal_last_name": patient.legal_last_name,
            "date_of_birth": "1980-05-01",
            "sex_at_birth": "female",
            "email": "alice@patients.example",
            "phone": "617-55x-abcd",
            "postal_code": "0213A",
            "reminder_channel": "email",
        },
    )
    html = page.content.decode()
    assert "A phone number has digits only" in html
    assert "Enter a 5-digit ZIP code" in html
    assert 'value="617-55x-abcd"' in html  # what was typed stays for correction
    patient.refresh_from_db()
    assert patient.phone != "+16175592223"
