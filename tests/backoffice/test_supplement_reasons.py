"""A supplement request says, per missing document, what to add or fix; Mẫu 02 prints it as a list."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import ActionParams, DossierError, perform
from tests.backoffice.test_dossier_page import desk, events, page_of, post, receive  # noqa: F401 - fixture
from tests.printing.support import pdf_images, pdf_text

pytestmark = pytest.mark.django_db


def test_each_missing_document_carries_what_to_fix_onto_form_02(client: Client, desk) -> None:  # noqa: F811
    d = receive(desk)  # components: Tờ khai đề nghị, Giấy xác nhận, Bản sao giấy khai sinh
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    client.force_login(desk["specialist"])
    html = page_of(client, d)
    assert "Nội dung cần bổ sung, sửa đổi trong “Giấy xác nhận”" in html
    response = post(client, d, "request_supplement", {
        "request_supplement-missing": ["Tờ khai đề nghị"],
        "request_supplement-why_0": "Ký và ghi rõ họ tên ở trang 2",
        # Something to fix in a component that was not ticked: it is to supplement too.
        "request_supplement-why_1": "  Xác nhận   của UBND xã nơi cư trú  ",
        "request_supplement-other": "Giấy khám sức khỏe",
        "request_supplement-note": "Nộp bổ sung tại Bộ phận Một cửa",
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.payload["missing"] == "Tờ khai đề nghị\nGiấy xác nhận\nGiấy khám sức khỏe"
    assert event.payload["missing_reasons"] == "Ký và ghi rõ họ tên ở trang 2\nXác nhận của UBND xã nơi cư trú\n"
    assert "- Giấy xác nhận: Xác nhận của UBND xã nơi cư trú" in event.payload["reason"]

    content = client.get(f"/backoffice/dossiers/{d.code}/forms/02.pdf").content
    text = pdf_text(content)
    assert "1. Tờ khai đề nghị — Ký và ghi rõ họ tên ở trang 2" in text
    assert "2. Giấy xác nhận — Xác nhận của UBND xã nơi cư trú" in text
    assert "3. Giấy khám sức khỏe" in text and "3. Giấy khám sức khỏe —" not in text
    # The general guidance follows, without repeating the list.
    assert "Lý do: Nộp bổ sung tại Bộ phận Một cửa" in text and text.count("họ tên ở trang 2") == 1
    pdf_images(content, "02-reasons-per-document")  # test-artifacts/forms/, to look at


def test_without_reasons_the_request_reads_as_before(client: Client, desk) -> None:  # noqa: F811
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    client.force_login(desk["specialist"])
    response = post(client, d, "request_supplement", {"request_supplement-missing": ["Giấy xác nhận"]})
    assert response.status_code == 302
    event = DossierEvent.objects.filter(dossier=d).latest("seq")
    assert event.payload["missing"] == "Giấy xác nhận" and "missing_reasons" not in event.payload
    text = pdf_text(client.get(f"/backoffice/dossiers/{d.code}/forms/02.pdf").content)
    assert "1. Giấy xác nhận" in text and "1. Giấy xác nhận —" not in text


def test_reasons_without_their_documents_are_refused(desk) -> None:  # noqa: F811
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    with pytest.raises(DossierError) as err:
        perform(actor=desk["specialist"], code=d.code, action="request_supplement",
                params=ActionParams(reason="x", missing=("Giấy xác nhận",), missing_reasons=("a", "b")))
    assert err.value.status == 400 and "Mỗi nội dung cần sửa phải đi kèm một giấy tờ" in err.value.detail
    assert events(d) == ["receive", "hand_over"] and Dossier.objects.get(pk=d.pk).status == 4
