"""The catalogue: every key in every language with the same values, read the way translators'
tools write it, and no text that shows a key or another language's words."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import comessages
from comessages import Catalogue, MissingText, PoError, checks

CATALOGUE = comessages.catalogue()
_VALUE = re.compile(r"\{(\w+)\}")


def test_the_interface_speaks_four_languages():
    assert set(CATALOGUE.languages) >= {"ar", "zgh", "fr", "en"} == set(comessages.LANGUAGES)


def test_every_key_exists_in_every_language():
    missing = CATALOGUE.missing()
    assert not missing, "missing texts: " + ", ".join(f"{key} in {lang}.po" for key, lang in missing)


def test_a_text_has_the_same_values_in_every_language():
    differ = [
        (key, lang)
        for key in CATALOGUE.keys
        for lang in CATALOGUE.languages
        if set(_VALUE.findall(CATALOGUE.raw(key, lang))) != set(_VALUE.findall(CATALOGUE.raw(key, "fr")))
    ]
    assert not differ, "values differ from French: " + ", ".join(f"{key} in {lang}.po" for key, lang in differ)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("path", sorted(comessages.LOCALE.glob("*.po")), ids=lambda p: p.name)
def test_gettext_tools_accept_the_files(path):
    checked = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("lang", CATALOGUE.languages)
def test_no_text_shows_a_key_or_another_language(lang):
    found = {key: checks.problems(_VALUE.sub(" ", CATALOGUE.raw(key, lang)), lang) for key in CATALOGUE.keys}
    assert not {key: p for key, p in found.items() if p}


@pytest.mark.parametrize(
    "text, lang, problem",
    [
        ("Votre information_request a été enregistrée", "fr", "raw name information_request"),
        ("Votre demande 7K3M-9QX2-B : implicitly refused", "fr", "word 'implicitly' of another language in fr"),
        ("Votre demande 7K3M-9QX2-B : Collecting signatures", "fr", "word 'collecting' of another language in fr"),
        ("طلبكم رقم 7K3M-9QX2-B: collecting signatures", "ar", "latin letters in ar: collecting signatures"),
        ("Your request 7K3M-9QX2-B: Refus implicite", "en", "word 'implicite' of another language in en"),
        ("Your request 7K3M-9QX2-B: مغلق", "en", "arabic letters in en: مغلق"),
        ("Your request {tracking_code} has been received", "en", "value {tracking_code} left in"),
        ("Nouveau statut : status.closed", "fr", "raw key status.closed"),
    ],
)
def test_the_check_finds_what_citizens_were_sent(text, lang, problem):
    assert problem in checks.problems(text, lang, values=["7K3M-9QX2-B"])


def test_values_put_in_may_be_in_any_script():
    assert checks.problems("طلبكم رقم 7K3M-9QX2-B: مغلق", "ar", values=["7K3M-9QX2-B"]) == []
    assert checks.problems("جميع الوثائق المنشورة (CSV)", "ar") == []


def test_a_missing_translation_is_taken_from_french_and_an_unknown_key_raises():
    catalogue = Catalogue({"fr": {"status.closed": "Clôturée", "hello": "Bonjour {name}"}, "ar": {}})
    assert catalogue.text("status.closed", "ar") == "Clôturée"
    assert catalogue.missing() == [("status.closed", "ar"), ("hello", "ar")]
    with pytest.raises(MissingText):
        catalogue.text("status.unknown", "fr")
    with pytest.raises(MissingText):
        catalogue.text("hello", "fr")
    assert catalogue.text("hello", "zgh", name="Amina") == "Bonjour Amina"  # not in the catalogue: Arabic, then French


def test_a_language_the_catalogue_lacks_reads_arabic():
    assert comessages.language("de") == "ar" == comessages.language("")
    assert comessages.language("zgh") == "zgh"
    assert comessages.text("status.closed", "de") == comessages.text("status.closed", "ar")


def test_amazigh_is_written_in_tifinagh():
    closed = comessages.text("status.closed", "zgh")
    assert closed != comessages.text("status.closed", "ar") and checks.problems(closed, "zgh") == []
    assert "latin letters in zgh: Closed" in checks.problems("ⴰⵙⵓⵜⵔ: Closed", "zgh")
    assert "arabic letters in zgh: مغلق" in checks.problems("ⴰⵙⵓⵜⵔ: مغلق", "zgh")
    assert "tifinagh letters in fr: ⵉⵜⵜⵓⵔⴳⵍ" in checks.problems("Demande : ⵉⵜⵜⵓⵔⴳⵍ", "fr")


def test_a_key_one_of_the_four_languages_lacks_is_named(tmp_path):
    for lang in comessages.LANGUAGES:
        (tmp_path / f"{lang}.po").write_text(f'msgid ""\nmsgstr "Language: {lang}\\n"\n\nmsgid "a"\nmsgstr "x"\n')
    (tmp_path / "zgh.po").write_text('msgid ""\nmsgstr "Language: zgh\\n"\n\nmsgid "a"\nmsgstr ""\n')
    assert Catalogue.load(tmp_path).missing() == [("a", "zgh")]
    (tmp_path / "zgh.po").unlink()
    with pytest.raises(PoError, match="the catalogue needs zgh.po"):
        Catalogue.load(tmp_path)
    assert Catalogue.load(tmp_path, required=("fr",)).missing() == []


def test_a_table_nests_the_keys_in_the_files_order():
    priorities = comessages.table("desk", "fr")["priorities"]
    assert list(priorities) == ["1", "2", "3", "4"] and priorities["1"] == "Urgente"
    with pytest.raises(MissingText):
        comessages.table("nothing", "fr")


def test_po_files_as_translators_tools_write_them(tmp_path):
    (tmp_path / "fr.po").write_text(
        '# a comment\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#. where it is shown\nmsgid "notice.body"\nmsgstr ""\n"Ligne une\\n"\n"« deux » \\"trois\\""\n\n'
        '#, fuzzy\nmsgid "guessed"\nmsgstr "Deviné"\n\nmsgid "untranslated"\nmsgstr ""\n',
        encoding="utf-8",
    )
    catalogue = Catalogue.load(tmp_path, required=("fr",))
    assert catalogue.raw("notice.body", "fr") == 'Ligne une\n« deux » "trois"'
    assert not catalogue.has("guessed") and not catalogue.has("untranslated")


@pytest.mark.parametrize(
    "content, error",
    [
        ('msgid ""\nmsgstr "Language: ar\\n"\n', "fr.po says it is in ar"),
        ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', "a is given twice"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\n', "not understood"),
        ('msgid "a"\nmsgstr "b\\q"\n', "unknown escape"),
    ],
)
def test_a_file_the_catalogue_cannot_read_is_named(tmp_path, content, error):
    (tmp_path / "fr.po").write_text(content, encoding="utf-8")
    with pytest.raises(PoError, match=error):
        Catalogue.load(tmp_path, required=("fr",))
