"""The counter a dossier is received at, and how a dossier registered at the desk reads in its history.

* The counter reception screen records the officer's counter in the receipt event (`payload["counter"]`),
  so the ledger (Mẫu 07) of one counter lists exactly the dossiers received there; a wrong or missing
  counter is refused with a Vietnamese message and writes nothing.
* A dossier the desk registers before receiving it (supplement or refusal at intake: `register_only`)
  starts with a `submit_online` event on the direct channel: the dossier page and the process control
  sheet (Mẫu 06) call it "registered at the one-stop desk", never "submitted online".
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.core.models import Counter
from motcua.dossiers.models import Channel, Dossier, DossierEvent
from motcua.dossiers.services import ActionParams, ApplicantData, DossierError, create_dossier, perform
from tests.backoffice.test_reception import BIRTH, desk, intake_data  # noqa: F401 - fixture
from tests.printing.support import pdf_images, pdf_text

pytestmark = pytest.mark.django_db
A = "000.10.01.H12"


@pytest.fixture
def counters(desk) -> dict[int, Counter]:  # noqa: F811
    a, b = desk["t"]["a"], desk["t"]["b"]
    return {
        1: Counter.objects.create(unit=a, number=1, name="Quầy Hộ tịch"),
        2: Counter.objects.create(unit=a, number=2, name="Quầy Chứng thực"),
        3: Counter.objects.create(unit=a, number=3, name="Quầy cũ", is_active=False),
        # Commune B's counter 4: not a counter of A's desk.
        4: Counter.objects.create(unit=b, number=4, name="Quầy xã Bình Minh"),
    }


@pytest.fixture
def officer(client: Client, desk):  # noqa: F811
    client.force_login(desk["reception"])
    return desk["reception"]


def intake(client: Client, token: str, **overrides: Any) -> Any:
    return client.post("/backoffice/reception/", intake_data(token=token, **overrides))


def code_of(response: Any) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]


def ledger(client: Client, counter: str = "") -> str:
    today = timezone.localdate().isoformat()
    response = client.get("/backoffice/ledger.pdf", {"unit": A, "counter": counter, "from": today, "to": today})
    assert response.status_code == 200, response.content.decode()[:2000]
    return pdf_text(response.content)


# ---- the counter in the receipt event and the ledger per counter ---------------------------------------


def test_each_counters_ledger_lists_exactly_the_dossiers_received_there(client: Client, officer, counters) -> None:
    at_one = code_of(intake(client, "t1", counter="1"))
    at_two = code_of(intake(client, "t2", counter="2", name="Trần Thị Bình"))
    receipts = dict(DossierEvent.objects.filter(action="receive").values_list("dossier__code", "payload__counter"))
    assert receipts == {at_one: 1, at_two: 2}

    one, two, whole = ledger(client, "1"), ledger(client, "2"), ledger(client)
    assert at_one in one and at_two not in one
    assert at_two in two and at_one not in two
    assert at_one in whole and at_two in whole
    assert "Quầy 2 (Quầy Chứng thực)" in two


def test_the_screen_offers_the_desks_open_counters_and_remembers_the_officers(client: Client, officer,
                                                                              counters) -> None:
    html = client.get(f"/backoffice/reception/?procedure={BIRTH}").content.decode()
    select = re.search(r'<select name="counter".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select.group(0))
    assert options == [("", "— chọn quầy làm việc —"), ("1", "1 · Quầy Hộ tịch"), ("2", "2 · Quầy Chứng thực")]
    assert 'form="intake-form"' in select.group(0)
    assert re.findall(r'<option value="(\d*)" selected', select.group(0)) == [""]  # none chosen yet

    code_of(intake(client, "t1", counter="2"))
    html = client.get(f"/backoffice/reception/?procedure={BIRTH}").content.decode()
    assert re.search(r'<option value="2" selected>', html)  # the next dossier: the same counter
    done = client.get(f"/backoffice/reception/done/{Dossier.objects.get().code}/").content.decode()
    assert '<dd id="intake-counter">2 · Quầy Chứng thực</dd>' in done


def test_a_desk_with_a_single_counter_has_it_chosen(client: Client, officer, desk) -> None:  # noqa: F811
    Counter.objects.create(unit=desk["t"]["a"], number=5, name="Quầy một cửa")
    html = client.get(f"/backoffice/reception/?procedure={BIRTH}").content.decode()
    assert re.search(r'<option value="5" selected>5 · Quầy một cửa</option>', html)


@pytest.mark.parametrize(("value", "message"), [
    ("", "Chọn quầy bạn đang làm việc (ở đầu trang)."),
    ("3", "Chọn một quầy của bộ phận này trong danh sách."),  # closed
    ("4", "Chọn một quầy của bộ phận này trong danh sách."),  # another desk's
    ("hai", "Chọn một quầy của bộ phận này trong danh sách."),
])
def test_a_missing_or_wrong_counter_is_refused_and_nothing_is_written(client: Client, officer, counters,
                                                                      value: str, message: str) -> None:
    response = intake(client, "t1", counter=value)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Dossier.objects.exists() and not DossierEvent.objects.exists()


def test_a_desk_without_counters_receives_without_one(client: Client, officer) -> None:
    html = client.get(f"/backoffice/reception/?procedure={BIRTH}").content.decode()
    assert 'name="counter"' not in html
    code = code_of(intake(client, "t1"))
    assert "counter" not in DossierEvent.objects.get(dossier__code=code, seq=1).payload
    assert code in ledger(client)


def test_received_after_a_supplement_at_intake_records_the_counter_of_the_receipt(client: Client, officer,
                                                                                  counters) -> None:
    code = code_of(intake(client, "t1", outcome="supplement", tick="mandatory", counter="1",
                          missing_note="Mang bản chính để đối chiếu."))
    assert DossierEvent.objects.get(dossier__code=code, seq=1).payload["counter"] == 1
    assert code not in ledger(client, "1")  # registered there, not received yet

    # The applicant comes back to counter 2: the officer there records the supplement and receives it.
    code_of(intake(client, "t2", counter="2"))  # counter 2 is now this officer's counter
    assert client.post(f"/backoffice/online/{code}/supplement/").status_code == 302
    assert client.post(f"/backoffice/online/{code}/accept/").status_code == 302
    receipt = DossierEvent.objects.get(dossier__code=code, action="receive")
    assert receipt.payload["counter"] == 2
    assert code in ledger(client, "2") and code not in ledger(client, "1")


def test_the_services_only_take_an_open_counter_of_the_receiving_desk(desk, counters) -> None:  # noqa: F811
    procedure = catalog.procedure_by_code(BIRTH)
    applicant = ApplicantData(name="Nguyễn Văn An", id_number="001203004567")
    for wrong in (counters[3], counters[4]):
        with pytest.raises(ValidationError) as err:
            create_dossier(actor=desk["reception"], procedure=procedure, receiving_unit=desk["t"]["a"],
                           channel=Channel.DIRECT, applicant=applicant, counter=wrong)
        assert "không phải quầy đang hoạt động" in str(err.value)
    assert not Dossier.objects.exists()

    registered = create_dossier(actor=desk["reception"], procedure=procedure, receiving_unit=desk["t"]["a"],
                                channel=Channel.DIRECT, applicant=applicant, register_only=True)
    with pytest.raises(DossierError) as refused:
        perform(actor=desk["reception"], code=registered.code, action="receive",
                params=ActionParams(counter=counters[4]))
    assert refused.value.status == 400
    with pytest.raises(DossierError) as misplaced:
        perform(actor=desk["reception"], code=registered.code, action="refuse",
                params=ActionParams(reason="Không thuộc thẩm quyền", counter=counters[1]))
    assert "Quầy chỉ được ghi nhận khi tiếp nhận hồ sơ." in misplaced.value.detail
    assert Dossier.objects.get(pk=registered.pk).status == 1
    assert DossierEvent.objects.filter(dossier=registered).count() == 1


# ---- a dossier registered at the desk is not "submitted online" ------------------------------------------


def timeline_item(client: Client, code: str, action: str) -> str:
    """The text of the dossier page's timeline entry for `action` (tags removed, spaces collapsed)."""
    html = client.get(f"/backoffice/dossiers/{code}/").content.decode()
    item = re.search(rf'<li class="timeline__item" data-action="{action}">(.*?)</li>', html, re.S)
    assert item is not None, action
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item.group(1))).replace("( ", "(").replace(" )", ")").strip()


def test_a_counter_registration_reads_as_registered_at_the_desk(client: Client, officer, counters) -> None:
    code = code_of(intake(client, "t1", outcome="supplement", tick="mandatory", counter="2",
                          missing_note="Mang bản chính để đối chiếu."))
    first = DossierEvent.objects.get(dossier__code=code, seq=1)
    assert first.action == "submit_online" and first.payload["channel"] == Channel.DIRECT  # as recorded
    entry = timeline_item(client, code, "submit_online")
    assert "· Đăng ký tại Bộ phận Một cửa Recep_A (Cán bộ tiếp nhận)" in entry, entry
    assert "trực tuyến" not in entry and "Người nộp" not in entry

    # Received later: the process control sheet (Mẫu 06) says the same.
    assert client.post(f"/backoffice/online/{code}/supplement/").status_code == 302
    assert client.post(f"/backoffice/online/{code}/accept/").status_code == 302
    content = client.get(f"/backoffice/dossiers/{code}/forms/06.pdf").content
    sheet = pdf_text(content)
    assert "Đăng ký tại Bộ phận Một cửa" in sheet and "Nộp hồ sơ trực tuyến" not in sheet
    assert "UBND xã An Bình Quầy 2 Recep_A" in sheet  # the receipt row names the counter
    pdf_images(content, "06-registered-at-the-desk")  # test-artifacts/forms/, to look at


def test_an_online_submission_still_reads_as_submitted_online(client: Client, officer, desk) -> None:  # noqa: F811
    online = create_dossier(
        actor=None, procedure=catalog.procedure_by_code(BIRTH), receiving_unit=desk["t"]["a"],
        channel=Channel.ONLINE, applicant=ApplicantData(name="Trần Thị Bình", id_number="036185001122"),
        components=[],
    )
    perform(actor=desk["reception"], code=online.code, action="accept")
    entry = timeline_item(client, online.code, "submit_online")
    assert "· Nộp hồ sơ trực tuyến" in entry and "Đăng ký" not in entry, entry
    assert "Cán bộ tiếp nhận" not in entry
    sheet = pdf_text(client.get(f"/backoffice/dossiers/{online.code}/forms/06.pdf").content)
    assert "Nộp hồ sơ trực tuyến" in sheet and "Đăng ký tại Bộ phận Một cửa" not in sheet
