"""Identifiers, amounts and dates: what parses, what is refused, and with which code."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pycountry
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidFormat

from adapter.domain import identifiers, money, periods
from adapter.domain.errors import InvalidValue
from adapter.domain.identifiers import (
    USCC_ALPHABET,
    CountryCode,
    CustomsDeclarationNo,
    Email,
    HsCode,
    Mobile,
    OrganizationCode,
    Swift,
    Uscc,
    export_declaration,
    organization_check_character,
    uscc_check_character,
)
from adapter.domain.money import Currency, Money, parse_amount
from adapter.domain.periods import Period, not_after_today, parse_date, payment_term_days

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


CHINESE = re.compile("[\u4e00-\u9fff]")


def refused(code: str, parse: object, value: object) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        parse(value)  # type: ignore[operator]
    assert caught.value.code == code, caught.value.detail
    assert type(caught.value).code == code, "the class carries the code"
    assert caught.value.message_zh and "{" not in caught.value.message_zh
    return caught.value


def text(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=size, max_size=size)


# --- 统一社会信用代码 (GB 32100 MOD 31) -----------------------------------------------

uscc_first17 = st.builds(lambda head, region, body: head + region + body,
                         text(USCC_ALPHABET, 2), text(DIGITS, 6), text(USCC_ALPHABET, 9))
valid_uscc = uscc_first17.map(lambda first17: first17 + uscc_check_character(first17))


@given(valid_uscc)
def test_every_code_with_its_check_character_parses(code: str) -> None:
    assert Uscc.parse(code) == code
    assert Uscc.parse(f"  {code.lower()} ") == code


@given(valid_uscc, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_substitution_in_a_uscc_is_caught(code: str, position: int, replacement: str) -> None:
    assume(code[position] != replacement)
    altered = code[:position] + replacement + code[position + 1:]
    expected = "E-USCC-FORMAT" if 2 <= position < 8 and replacement not in DIGITS else "E-USCC-CHECK"
    refused(expected, Uscc.parse, altered)


@given(valid_uscc, st.sampled_from("IOZSV*-_ 中"), st.integers(0, 17))
def test_characters_outside_the_uscc_alphabet_are_refused(code: str, bad: str, position: int) -> None:
    refused("E-USCC-FORMAT", Uscc.parse, code[:position] + bad + code[position + 1:])


@given(st.text(USCC_ALPHABET, max_size=30).filter(lambda s: len(s) != 18))
def test_a_uscc_of_the_wrong_length_is_refused(value: str) -> None:
    refused("E-USCC-FORMAT", Uscc.parse, value)


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43"])
def test_published_uscc_examples_parse(code: str) -> None:
    assert Uscc.parse(code) == code


@pytest.mark.parametrize("first17", [
    "N2350203MA2Y3W7KX",   # 农业 authority, 农村集体经济组织 category
    "Y1110000MA01ABC12",   # 其他 authority
    "A1100000MB1234567",   # 中央军委改革和编制办公室
    "5N440300MJL123456",
])
def test_codes_whose_first_eight_characters_hold_letters_are_accepted(first17: str) -> None:
    code = first17 + uscc_check_character(first17)
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(code)
    assert stdnum_uscc.calc_check_digit(code[:17]) == code[17]
    assert Uscc.parse(code) == code


def test_a_uscc_shows_its_region_and_organization_code() -> None:
    code = Uscc.parse("91350100M000100Y43")
    assert code.region_code == "350100"
    assert OrganizationCode.parse(code.organization_code).hyphenated == "M000100Y-4"


# --- 组织机构代码 (GB 11714 MOD 11) ---------------------------------------------------

org_body = text(DIGITS + UPPER, 8)
valid_org = org_body.map(lambda body: body + organization_check_character(body))


@given(valid_org)
def test_an_organization_code_parses_with_or_without_its_hyphen(code: str) -> None:
    assert OrganizationCode.parse(code) == code
    assert OrganizationCode.parse(f"{code[:8]}-{code[8]}") == code
    assert OrganizationCode.parse(code).hyphenated == f"{code[:8]}-{code[8]}"


@given(valid_org, st.integers(0, 7), st.sampled_from(DIGITS + UPPER))
def test_a_substitution_in_the_body_is_caught_where_mod_11_can_see_it(
        code: str, position: int, replacement: str) -> None:
    assume((int(replacement, 36) - int(code[position], 36)) % 11 != 0)
    refused("E-ORG-CODE-CHECK", OrganizationCode.parse,
            code[:position] + replacement + code[position + 1:])


@given(valid_org, st.sampled_from(DIGITS + "X"))
def test_a_wrong_check_character_is_caught(code: str, check: str) -> None:
    assume(check != code[8])
    refused("E-ORG-CODE-CHECK", OrganizationCode.parse, code[:8] + check)


def test_letters_eleven_apart_are_beyond_what_mod_11_guarantees() -> None:
    body = "0" + "1234567"
    code = body + organization_check_character(body)
    assert OrganizationCode.parse("B" + code[1:])  # 0 -> B (11): same remainder


@pytest.mark.parametrize("value", ["1234567-8", "123456789-0", "12345678-Y", "1234 5678-8", "", "中12345678"])
def test_malformed_organization_codes_are_refused(value: str) -> None:
    refused("E-ORG-CODE-FORMAT", OrganizationCode.parse, value)


@pytest.mark.parametrize("code", ["60003734-1", "M000100Y-4"])
def test_organization_codes_from_published_uscc_examples_parse(code: str) -> None:
    assert OrganizationCode.parse(code).hyphenated == code


# --- 报关单号, 海关商品编号 -------------------------------------------------------------

declaration = st.builds(lambda office, year, flag, seq: office + year + flag + seq,
                        text(DIGITS, 4), st.integers(1990, 2099).map(str), st.sampled_from("01"),
                        text(DIGITS, 9))


@given(declaration)
def test_declaration_numbers_parse_into_their_parts(number: str) -> None:
    parsed = CustomsDeclarationNo.parse(number)
    assert (parsed.customs_office, parsed.year, parsed.sequence) == (number[:4], int(number[4:8]), number[9:])
    assert parsed.is_export == (number[8] == "0")


@given(st.text(DIGITS, max_size=25).filter(lambda s: len(s) != 18))
def test_declaration_numbers_of_the_wrong_length_are_refused(value: str) -> None:
    refused("E-CUSTOMS-DECLARATION-FORMAT", CustomsDeclarationNo.parse, value)


@given(declaration, st.integers(0, 17), st.sampled_from("AEIX -"))
def test_declaration_numbers_hold_only_digits(number: str, position: int, bad: str) -> None:
    refused("E-CUSTOMS-DECLARATION-FORMAT", CustomsDeclarationNo.parse,
            number[:position] + bad + number[position + 1:])


def test_the_manuals_declaration_is_an_export_and_an_import_one_is_refused_for_claims() -> None:
    number = export_declaration("010120190000000044")
    assert (number.customs_office, number.year, number.sequence) == ("0101", 2019, "000000044")
    refused("E-CUSTOMS-DECLARATION-NOT-EXPORT", export_declaration, "010120191000000044")


chapters = st.integers(1, 97).filter(lambda c: c != 77).map(lambda c: f"{c:02d}")


@given(chapters, text(DIGITS, 8), st.sampled_from(["", "101", "999"]))
def test_hs_codes_of_ten_or_thirteen_digits_parse(chapter: str, rest: str, inspection: str) -> None:
    code = chapter + rest + inspection
    assert HsCode.parse(code) == code
    assert HsCode.parse(code).chapter == chapter


@given(st.text(DIGITS, max_size=16).filter(lambda s: len(s) not in (10, 13)))
def test_hs_codes_of_other_lengths_are_refused(value: str) -> None:
    refused("E-HS-CODE-FORMAT", HsCode.parse, value)


@pytest.mark.parametrize("value", ["0012345678", "7712345678", "9812345678", "8471.30.00", "84713000ab"])
def test_hs_codes_outside_the_chapters_or_with_other_characters_are_refused(value: str) -> None:
    refused("E-HS-CODE-FORMAT", HsCode.parse, value)


def test_the_manuals_commodity_code_parses() -> None:
    assert HsCode.parse("1002900000") == "1002900000"


# --- SWIFT, mobile, e-mail, country ------------------------------------------------------

iso_alpha2 = st.sampled_from(sorted(c.alpha_2 for c in pycountry.countries))


@given(text(UPPER, 4), iso_alpha2, text(DIGITS + UPPER, 2), st.sampled_from(["", "XXX", "300"]))
def test_bics_with_an_iso_country_parse(bank: str, country: str, location: str, branch: str) -> None:
    code = bank + country + location + branch
    assert Swift.parse(code.lower()) == code
    assert Swift.parse(code).country == country


@pytest.mark.parametrize("code", ["BKCHCNBJ", "BKCHCNBJ300", "DEUTDEFF", "CHASUS33XXX"])
def test_real_bank_bics_parse(code: str) -> None:
    assert Swift.parse(code) == code


def test_spaces_typed_inside_a_bic_are_dropped() -> None:
    assert Swift.parse("BKCH CN BJ 300") == "BKCHCNBJ300"


@pytest.mark.parametrize("code", ["BKCHQQBJ", "BKCHAABJ", "BKCHZZBJXXX"])
def test_bics_naming_no_country_are_refused(code: str) -> None:
    refused("E-SWIFT-COUNTRY", Swift.parse, code)


@given(st.text(DIGITS + UPPER, max_size=14).filter(lambda s: len(s) not in (8, 11)))
def test_bics_of_the_wrong_length_are_refused(value: str) -> None:
    refused("E-SWIFT-FORMAT", Swift.parse, value)


@pytest.mark.parametrize("code", ["1KCHCNBJ", "BKCHCNB_", "BKCH1NBJ", "BKCHCNBJ30"])
def test_bics_with_misplaced_characters_are_refused(code: str) -> None:
    refused("E-SWIFT-FORMAT", Swift.parse, code)


mobile_prefix = st.sampled_from([*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159,
                                 *range(180, 190), 198, 199]).map(str)


@given(mobile_prefix, text(DIGITS, 8), st.sampled_from(["{}", "+86{}", "+86 {}", "86-{}", "{} "]))
def test_mainland_mobile_numbers_parse_to_eleven_digits(prefix: str, rest: str, shape: str) -> None:
    number = prefix + rest
    assert Mobile.parse(shape.format(number)) == number
    assert Mobile.parse(number).e164 == "+86" + number


@given(mobile_prefix, st.text(DIGITS, max_size=12).filter(lambda s: len(s) != 8))
def test_mobile_numbers_of_the_wrong_length_are_refused(prefix: str, rest: str) -> None:
    refused("E-MOBILE-FORMAT", Mobile.parse, prefix + rest)


@pytest.mark.parametrize("value", ["02088888888", "+852 9123 4567", "1380013800a", "10012345678", "", "手机"])
def test_landlines_foreign_and_malformed_numbers_are_not_mobiles(value: str) -> None:
    refused("E-MOBILE-FORMAT", Mobile.parse, value)


local_part = st.from_regex(r"[a-z0-9]{1,10}([._-][a-z0-9]{1,10}){0,2}", fullmatch=True)
domain = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,8})?", fullmatch=True)


@given(local_part, domain, st.sampled_from(["com", "cn", "com.cn", "org", "net"]))
def test_ordinary_addresses_parse(local: str, host: str, tld: str) -> None:
    address = f"{local}@{host}.{tld}"
    assert Email.parse(address) == address
    assert Email.parse(f" {local}@{host.upper()}.{tld} ") == address


@pytest.mark.parametrize("value", ["zhang", "zhang@", "@example.com", "zhang@@example.com",
                                   "zhang san@example.com", "zhang@example", "zhang@.com"])
def test_malformed_addresses_are_refused(value: str) -> None:
    refused("E-EMAIL-FORMAT", Email.parse, value)


@given(st.sampled_from(sorted(c.alpha_3 for c in pycountry.countries)))
def test_every_iso_country_parses(code: str) -> None:
    assert CountryCode.parse(code.lower()) == code


@pytest.mark.parametrize("value", ["ZZZ", "CN", "CHNA", "", "中国"])
def test_unknown_countries_are_refused(value: str) -> None:
    refused("E-COUNTRY-UNKNOWN", CountryCode.parse, value)


# --- amounts and currencies --------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999999999.99"), places=2)


@given(amounts)
def test_positive_amounts_of_two_places_parse_from_text_or_numbers(amount: Decimal) -> None:
    assert parse_amount(str(amount)) == amount
    assert parse_amount(amount) == amount
    assert parse_amount(str(amount)).as_tuple().exponent == -2


@given(st.integers(0, 10**9), st.integers(1, 9))
def test_a_fraction_of_a_cent_is_refused_not_rounded(cents: int, thousandths: int) -> None:
    amount = Decimal(cents) / 100 + Decimal(thousandths) / 1000
    refused("E-AMOUNT-PRECISION", parse_amount, str(amount))


@given(st.decimals(max_value=Decimal(0), allow_nan=False, allow_infinity=False, places=2))
def test_zero_and_negative_amounts_are_refused(amount: Decimal) -> None:
    refused("E-AMOUNT-NOT-POSITIVE", parse_amount, str(amount))


@pytest.mark.parametrize("value", ["10000000000000000.00", "99999999999999999", 1e20, Decimal("1E16")])
def test_amounts_beyond_sixteen_digits_are_refused(value: object) -> None:
    refused("E-AMOUNT-TOO-LARGE", parse_amount, value)


@pytest.mark.parametrize("value", ["", "abc", "1,000.00", "1_000", "1e3", ".5", "12.", "NaN", "Infinity",
                                   float("nan"), True, None, [1]])
def test_what_is_not_a_number_is_refused(value: object) -> None:
    refused("E-AMOUNT-FORMAT", parse_amount, value)


def test_json_numbers_keep_their_cents() -> None:
    assert parse_amount(12500.5) == Decimal("12500.50")
    assert parse_amount(3) == Decimal("3.00")
    refused("E-AMOUNT-PRECISION", parse_amount, 0.1 + 0.2)


@given(st.sampled_from(sorted(c.alpha_3 for c in pycountry.currencies
                              if c.alpha_3 not in ("XXX", "XTS"))))
def test_every_iso_4217_currency_parses(code: str) -> None:
    assert Currency.parse(code.lower()) == code


@pytest.mark.parametrize("value", ["ABC", "RMB", "US", "XXX", "XTS", "", 840])
def test_unknown_or_non_money_currencies_are_refused(value: object) -> None:
    refused("E-CURRENCY-UNKNOWN", Currency.parse, value)


def test_money_pairs_an_amount_with_its_currency() -> None:
    assert str(Money.parse("12500.5", "usd")) == "12500.50 USD"


# --- dates and periods -------------------------------------------------------------------

@given(st.dates())
def test_iso_dates_parse(day: date) -> None:
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize("value", ["2025/03/31", "20250331", "2025-3-31", "31-03-2025", "", 20250331])
def test_dates_in_other_shapes_are_refused(value: object) -> None:
    refused("E-DATE-FORMAT", parse_date, value)


@pytest.mark.parametrize("value", ["2025-02-29", "2025-13-01", "2025-04-31", "0000-01-01"])
def test_days_that_do_not_exist_are_refused(value: str) -> None:
    refused("E-DATE-INVALID", parse_date, value)


@given(st.dates(), st.dates())
def test_a_period_ends_on_or_after_its_start(first: date, second: date) -> None:
    start, end = min(first, second), max(first, second)
    period = Period(start, end)
    assert start in period and end in period
    if start != end:
        refused("E-PERIOD-ORDER", lambda _: Period(end, start), None)


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(0, 400), st.integers(1, 400))
def test_a_shipment_date_must_fall_inside_the_policy_period(start: date, length: int, outside: int) -> None:
    period = Period(start, start + timedelta(days=length))
    assert period.require(start) == start
    with pytest.raises(InvalidValue) as caught:
        period.require(period.end + timedelta(days=outside))
    assert caught.value.code == "E-DATE-OUTSIDE-PERIOD"
    assert start.isoformat() in caught.value.message_zh
    assert caught.value.message_zh == f"日期应在{start.isoformat()}至{period.end.isoformat()}之间"


def test_a_date_after_today_is_refused() -> None:
    today = date(2025, 6, 30)
    assert not_after_today(today, today) == today
    refused("E-DATE-IN-FUTURE", lambda day: not_after_today(day, today), date(2025, 7, 1))


@given(st.integers(1, 180))
def test_payment_terms_within_the_cover_parse(days: int) -> None:
    assert payment_term_days(days, max_days=180) == days
    assert payment_term_days(str(days), max_days=180) == days


@pytest.mark.parametrize("value", [0, 181, -5, "90天", "", True, 1.5])
def test_payment_terms_outside_the_cover_are_refused(value: object) -> None:
    error = refused("E-PAYMENT-TERM-RANGE", lambda raw: payment_term_days(raw, max_days=180), value)
    assert error.message_zh == "支付期限应为1至180天"


# --- the refusals themselves ---------------------------------------------------------------

STABLE_CODES = {
    "E-USCC-FORMAT", "E-USCC-CHECK", "E-ORG-CODE-FORMAT", "E-ORG-CODE-CHECK",
    "E-CUSTOMS-DECLARATION-FORMAT", "E-CUSTOMS-DECLARATION-NOT-EXPORT", "E-HS-CODE-FORMAT",
    "E-SWIFT-FORMAT", "E-SWIFT-COUNTRY", "E-MOBILE-FORMAT", "E-EMAIL-FORMAT", "E-COUNTRY-UNKNOWN",
    "E-AMOUNT-FORMAT", "E-AMOUNT-PRECISION", "E-AMOUNT-NOT-POSITIVE", "E-AMOUNT-TOO-LARGE",
    "E-CURRENCY-UNKNOWN",
    "E-DATE-FORMAT", "E-DATE-INVALID", "E-DATE-IN-FUTURE", "E-DATE-OUTSIDE-PERIOD",
    "E-PERIOD-ORDER", "E-PAYMENT-TERM-RANGE",
}


def test_each_broken_rule_is_one_class_with_its_own_code_and_chinese_sentence() -> None:
    kinds = [kind for module in (identifiers, money, periods) for kind in vars(module).values()
             if isinstance(kind, type) and issubclass(kind, InvalidValue)
             and kind.__module__ == module.__name__]
    codes = [kind.code for kind in kinds]
    assert len(codes) == len(set(codes))
    assert set(codes) == STABLE_CODES
    assert all(CHINESE.search(kind.message_zh) for kind in kinds)
