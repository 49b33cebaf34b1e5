"""Search is diacritic-insensitive, filtered in SQL on the stored folded column, and paginated."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.catalog import selectors
from motcua.catalog.models import Procedure
from motcua.core.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["khai sinh", "dang ky khai sinh", "Đăng ký khai sinh", "DANG KY KHAI SINH",
                                   "đăng ky khai", "1.001193", "ho tich khai sinh"])
def test_search_without_diacritics_finds_birth_registration(query: str, demo_catalogue: dict[str, Unit]) -> None:
    codes = list(selectors.procedures(query=query).values_list("code", flat=True))
    assert "1.001193" in codes


def test_search_matches_word_starts_and_all_words(demo_catalogue: dict[str, Unit]) -> None:
    names = list(selectors.procedures(query="khai sinh").values_list("name", flat=True))
    assert names and all("khai sinh" in n.lower() for n in names)
    assert not selectors.procedures(query="khai sinh ket hon").filter(code="1.001193").exists()
    assert selectors.procedures(query="chung thuc ban sao").filter(code="2.000815").exists()
    assert not selectors.procedures(query="xyzzy").exists()


def test_search_filters_in_sql(demo_catalogue: dict[str, Unit]) -> None:
    with CaptureQueriesContext(connection) as ctx:
        list(selectors.procedures(query="dang ky khai sinh"))
    assert len(ctx.captured_queries) == 1
    assert "search_text" in ctx.captured_queries[0]["sql"]


def test_search_is_paginated(demo_catalogue: dict[str, Unit]) -> None:
    first = selectors.search_procedures("ho tich", per_page=5)
    assert len(first.object_list) == 5 and first.paginator.count > 10
    second = selectors.search_procedures("ho tich", page=2, per_page=5)
    assert {p.code for p in first}.isdisjoint({p.code for p in second})
    assert selectors.search_procedures(per_page=10_000).paginator.per_page == 100


def test_filters_by_field_and_level(demo_catalogue: dict[str, Unit]) -> None:
    assert set(selectors.procedures(field_code="chung-thuc").values_list("field__code", flat=True)) == {"chung-thuc"}
    province_codes = set(selectors.procedures(level="province").values_list("code", flat=True))
    assert "1.012753" in province_codes and "1.001193" not in province_codes


def test_inactive_procedures_are_hidden(demo_catalogue: dict[str, Unit]) -> None:
    Procedure.objects.filter(code="1.001193").update(is_active=False)
    assert not selectors.procedures(query="1.001193").exists()
    assert selectors.procedures(query="1.001193", include_inactive=True).exists()
    assert selectors.procedure_by_code("1.001193") is not None
