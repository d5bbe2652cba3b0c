from pathlib import Path

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from relata.customers.models import Customer
from tests.browser.conftest import login, screenshot

DUTCH_EXCEL_CSV = (
    "Klantnummer;Voornaam;Achternaam;E-mailadres;Postcode;Woonplaats;Geboortedatum\r\n"
    "K100;Sanne;de Jong;sanne@example.nl;1011 AB;Amsterdam;03-04-1985\r\n"
    "K101;Daan;Visser;geen-email;3511 CD;Utrecht;12-11-1979\r\n"
    "K102;Lotte;Bos;lotte@example.nl;5611 EF;Eindhoven;31-12-1990\r\n"
).encode("cp1252")


def test_import_with_an_error_shows_it_and_writes_nothing_until_confirmed(  # type: ignore[no-untyped-def]
    page, sales_user, tmp_path: Path
) -> None:
    # given a back-office user and a Dutch Excel CSV with one bad e-mail address
    sales_user.groups.add(Group.objects.get(name="back_office"))
    User.objects.filter(pk=sales_user.pk).update(is_staff=False)
    upload = tmp_path / "klanten.csv"
    upload.write_bytes(DUTCH_EXCEL_CSV)
    login(page)
    # when the file is uploaded
    page.get_by_role("link", name="Import/export").click()
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(upload))
    page.click("text=Upload and check")
    # then the preview names the row, column and reason, and nothing is written yet
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("geen-email")
    expect(errors).to_contain_text("E-mailadres")
    expect(page.locator("body")).to_contain_text(";")
    screenshot(page, "import-preview-with-error")
    assert not Customer.objects.exists()
    # when the user chooses to skip the invalid row and confirms
    page.check("#skip_invalid")
    page.click("#confirm-import")
    # then the two good customers are imported
    expect(page.locator("body")).to_contain_text("2")
    screenshot(page, "import-result")
    assert set(Customer.objects.values_list("customer_number", flat=True)) == {"K100", "K102"}
