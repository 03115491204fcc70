import json

import pytest

from registry import transfer

EXISTING = {"ma": "instance", "ma-01": "region", "ma-tet": "province"}


def communes_csv(n: int, parent="ma-tet") -> bytes:
    lines = ["code,level,parent_code,name_fr,name_ar,name_zgh,population,commune_type"]
    lines += [f"c-{i:05d},commune,{parent},Commune {i},جماعة {i},,{1000 + i},rural" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_a_large_valid_file_validates():
    rows = transfer.read_rows("territory", "csv", communes_csv(1500))
    units, errors = transfer.validate_territory(rows, EXISTING)
    assert errors == [] and len(units) == 1500


def test_every_bad_row_is_reported_with_its_reason():
    text = communes_csv(5).decode().splitlines()
    text[2] = "c-00001,commune,ma-tet,Commune 1,,,-5,rural"  # row 2: negative population
    text[3] = "c-00002,village,ma-tet,Commune 2,,,10,rural"  # row 3: unknown level
    text[4] = "c-00003,commune,ma-nowhere,Commune 3,,,10,rural"  # row 4: unknown parent
    text.append("c-00000,commune,ma-01,Again,,,10,rural")  # row 6: duplicate, parent is a region
    text.append("c-00009,commune,ma-tet,,,Latin,ten,metropolis")  # row 7: four problems
    rows = transfer.read_rows("territory", "csv", ("\n".join(text) + "\n").encode())
    _, errors = transfer.validate_territory(rows, EXISTING)
    found = {(e.row, e.reason) for e in errors}
    assert found == {
        (2, "BAD_POPULATION"),
        (3, "BAD_LEVEL"),
        (4, "PARENT_NOT_FOUND"),
        (6, "DUPLICATE_ROW"),
        (6, "BAD_PARENT"),
        (7, "NAME_REQUIRED"),
        (7, "NOT_TIFINAGH"),
        (7, "NOT_A_NUMBER"),
        (7, "BAD_COMMUNE_TYPE"),
    }
    assert all(e.message for e in errors)


def test_parents_may_come_from_the_same_file():
    data = {
        "territory": [
            {"code": "ma-new", "level": "province", "parent_code": "ma-01", "name_fr": "Nouvelle"},
            {
                "code": "c-new",
                "level": "commune",
                "parent_code": "ma-new",
                "name_ar": "جديدة",
                "population": 50000,
                "commune_type": "urban",
            },
        ]
    }
    rows = transfer.read_rows("territory", "json", json.dumps(data).encode())
    units, errors = transfer.validate_territory(rows, EXISTING)
    assert errors == [] and units[1].population == 50000


def test_level_of_an_existing_unit_cannot_change():
    rows = [{"code": "ma-tet", "level": "prefecture", "parent_code": "ma-01", "name_fr": "Tétouan"}]
    _, errors = transfer.validate_territory(rows, EXISTING)
    assert [e.reason for e in errors] == ["LEVEL_CHANGED"]


@pytest.mark.parametrize(
    "fmt, content, reason",
    [
        ("csv", b"slug,colour\nx,red\n", "UNKNOWN_COLUMNS"),
        ("json", b"{not json", "BAD_JSON"),
        ("csv", b"\xff\xfe", "NOT_UTF8"),
        ("xml", b"<a/>", "BAD_FORMAT"),
    ],
)
def test_unreadable_files(fmt, content, reason):
    with pytest.raises(transfer.FileError) as err:
        transfer.read_rows("offices", fmt, content)
    assert err.value.reason == reason


def test_office_rows():
    rows = [
        {
            "slug": "ouazzane",
            "commune_code": "ouazzane",
            "name_fr": "Ouazzane",
            "phase": "implementation",
            "latitude": "34.79",
            "longitude": "-5.58",
        },
        {"slug": "tetouan", "commune_code": "tetouan", "name_fr": "Tétouan", "phase": "creation"},
        {"slug": "x-1", "commune_code": "nowhere", "name_fr": "X", "latitude": "95", "longitude": "0"},
        {"slug": "x-2", "commune_code": "tetouan", "name_fr": "X", "latitude": "north", "longitude": "0"},
    ]
    offices, errors = transfer.validate_offices(
        rows, {"ouazzane", "tetouan"}, {"ouazzane": "creation", "tetouan": "implementation"}
    )
    assert {(e.row, e.reason) for e in errors} == {
        (2, "PHASE_BACKWARDS_NEEDS_REASON"),
        (3, "COMMUNE_NOT_FOUND"),
        (3, "BAD_COORDINATES"),
        (4, "BAD_COORDINATES"),
    }
    assert offices[0].details.latitude == 34.79


def test_catalogue_rows_and_round_trip():
    rows = [
        {
            "office": "tetouan",
            "code": "lighting",
            "request_type": "complaint",
            "category": "lighting",
            "name_fr": "Éclairage",
            "deadline_count": "2",
            "deadline_unit": "months",
            "requires_location": "true",
        },
        {
            "office": "nowhere",
            "code": "x",
            "request_type": "wish",
            "category": "x",
            "name_fr": "X",
            "deadline_count": "soon",
        },
    ]
    entries, errors = transfer.validate_catalogue(rows, {"tetouan"})
    assert {(e.row, e.reason) for e in errors} == {
        (2, "OFFICE_NOT_FOUND"),
        (2, "BAD_REQUEST_TYPE"),
        (2, "NOT_A_NUMBER"),
    }
    assert entries[0][1].requires_location is True
    for fmt in ("csv", "json"):
        written = transfer.write_rows("catalogue", fmt, [rows[0]])
        again = transfer.read_rows("catalogue", fmt, written)
        assert again[0]["code"] == "lighting" and again[0]["requires_location"] == "true"


def test_an_imported_catalogue_keeps_its_deadlines_within_the_law():
    rows = [
        {
            "office": "tetouan",
            "code": "lighting",
            "request_type": "complaint",
            "category": "lighting",
            "name_fr": "Éclairage",
            "deadline_count": "10",
            "deadline_unit": "working_days",
        },
        {
            "office": "tetouan",
            "code": "roads",
            "request_type": "complaint",
            "category": "roads",
            "name_fr": "Voirie",
            "deadline_count": "90",
            "deadline_unit": "days",
        },
        {
            "office": "tetouan",
            "code": "info",
            "request_type": "information_request",
            "category": "info",
            "name_fr": "Info",
            "deadline_count": "30",
            "deadline_unit": "working_days",
        },
    ]
    entries, errors = transfer.validate_catalogue(rows, {"tetouan"})
    assert [(e.row, e.key, e.field, e.reason) for e in errors] == [
        (2, "roads", "deadline_count", "DEADLINE_BEYOND_LEGAL"),
        (3, "info", "deadline_count", "DEADLINE_FIXED_BY_LAW"),
    ]
    assert (entries[0][1].deadline_count, entries[0][1].deadline_unit) == (10, "working_days")


def test_catalogue_publicity_and_anonymity_columns():
    rows = [
        {
            "office": "tetouan",
            "code": "noise",
            "request_type": "complaint",
            "category": "noise",
            "name_fr": "Bruit",
            "deadline_count": "2",
            "deadline_unit": "months",
            "publicity": "private",
            "anonymous_allowed": "false",
        },
        {
            "office": "tetouan",
            "code": "dogs",
            "request_type": "complaint",
            "category": "dogs",
            "name_fr": "Chiens",
            "deadline_count": "2",
            "deadline_unit": "months",
        },
        {
            "office": "tetouan",
            "code": "info",
            "request_type": "information_request",
            "category": "info",
            "name_fr": "Info",
            "deadline_count": "20",
            "publicity": "loud",
            "anonymous_allowed": "yes",
        },
    ]
    entries, errors = transfer.validate_catalogue(rows, {"tetouan"})
    assert [(e.row, e.field, e.reason) for e in errors] == [
        (3, "anonymous_allowed", "ANONYMITY_NOT_LAWFUL"),
        (3, "publicity", "BAD_PUBLICITY"),
    ]
    assert (entries[0][1].publicity, entries[0][1].anonymous_allowed) == ("private", False)
    assert (entries[1][1].publicity, entries[1][1].anonymous_allowed) == ("choice", True)  # the type's default
    again = transfer.read_rows("catalogue", "csv", transfer.write_rows("catalogue", "csv", [rows[0]]))
    assert (again[0]["publicity"], again[0]["anonymous_allowed"]) == ("private", "false")
