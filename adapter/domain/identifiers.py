"""The identifiers an exporter types into the portal, each checked once where it is typed.

Every type is a ``str`` holding the canonical form, so it stores and serialises as text;
``parse`` is the only way in and raises one ``InvalidValue`` subclass per broken rule, so
a caller can tell a mistyped check character from a wrong shape without reading codes.
Check characters are computed here rather than trusted to python-stdnum: its USCC check
refuses valid codes whose registration authority or category is a letter.
"""

from __future__ import annotations

import re
from typing import Self

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from stdnum import bic
from stdnum.exceptions import InvalidComponent, ValidationError

from adapter.domain.errors import InvalidValue


class UsccFormat(InvalidValue):
    code = "E-USCC-FORMAT"
    message_zh = ("统一社会信用代码应为18位，由数字和大写英文字母组成（不含I、O、Z、S、V），"
                  "第3至8位为行政区划数字代码")


class UsccCheck(InvalidValue):
    """The shape is right but a character was mistyped: the MOD 31 check catches it."""

    code = "E-USCC-CHECK"
    message_zh = "统一社会信用代码校验位不正确，请核对后重新输入"


class OrganizationCodeFormat(InvalidValue):
    code = "E-ORG-CODE-FORMAT"
    message_zh = "组织机构代码应为8位数字或大写英文字母加1位校验码，如12345678-8"


class OrganizationCodeCheck(InvalidValue):
    code = "E-ORG-CODE-CHECK"
    message_zh = "组织机构代码校验码不正确，请核对后重新输入"


class CustomsDeclarationFormat(InvalidValue):
    code = "E-CUSTOMS-DECLARATION-FORMAT"
    message_zh = "报关单号应为18位数字：4位海关代码、4位年份、1位进出口标志、9位顺序号"


class NotAnExportDeclaration(InvalidValue):
    """A well-formed import declaration where only an export one can apply (claims)."""

    code = "E-CUSTOMS-DECLARATION-NOT-EXPORT"
    message_zh = "该报关单号不是出口报关单（第9位出口标志应为0）"


class HsCodeFormat(InvalidValue):
    code = "E-HS-CODE-FORMAT"
    message_zh = "海关商品编号应为10位数字（含检验检疫附加码时为13位），前两位为有效的章号"


class SwiftFormat(InvalidValue):
    code = "E-SWIFT-FORMAT"
    message_zh = "SWIFT码应为8位或11位：4位银行代码、2位国家代码、2位地区代码，可加3位分行代码"


class SwiftCountry(InvalidValue):
    """Shaped like a BIC, but positions 5-6 name no country, so no bank can hold it."""

    code = "E-SWIFT-COUNTRY"
    message_zh = "SWIFT码第5至6位不是有效的国家或地区代码"


class MobileFormat(InvalidValue):
    code = "E-MOBILE-FORMAT"
    message_zh = "请输入有效的中国大陆手机号码（11位）"


class EmailFormat(InvalidValue):
    code = "E-EMAIL-FORMAT"
    message_zh = "请输入有效的电子邮箱地址"


class CountryUnknown(InvalidValue):
    code = "E-COUNTRY-UNKNOWN"
    message_zh = "国家或地区代码无效，请从下拉列表中选择"


def _text(raw: object, refusal: type[InvalidValue]) -> str:
    """Anything but text is refused with the field's own code, so the user reads one sentence."""
    if not isinstance(raw, str):
        raise refusal(f"expected text, got {type(raw).__name__}")
    return raw.strip()


# GB 32100-2015: 31 characters (no I, O, Z, S, V), one weight per position before the check.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(f"[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{10}}")


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[-total % 31]


class Uscc(str):
    """统一社会信用代码: authority, category, region (6 digits), body (9), check (MOD 31).

    The authority and category may be letters (N 农业, Y 其他 …), so only the region
    is held to digits.
    """

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, UsccFormat).upper()
        if not _USCC_SHAPE.fullmatch(value):
            raise UsccFormat(f"{value!r} is not 18 characters of the USCC alphabet")
        if uscc_check_character(value[:17]) != value[17]:
            raise UsccCheck(f"{value!r} fails the GB 32100 check character")
        return cls(value)

    @property
    def region_code(self) -> str:
        return self[2:8]

    @property
    def organization_code(self) -> str:
        """Positions 9-17: the body, which for most enterprises is their GB 11714 code."""
        return self[8:17]


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_SHAPE = re.compile(r"([0-9A-Z]{8})-?([0-9X])")


def organization_check_character(body: str) -> str:
    """GB 11714 MOD 11: letters count 10 (A) to 35 (Z); a remainder of 10 is written X."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


class OrganizationCode(str):
    """组织机构代码, kept without the hyphen; ``hyphenated`` is how certificates print it."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, OrganizationCodeFormat).upper()
        match = _ORG_SHAPE.fullmatch(value)
        if not match:
            raise OrganizationCodeFormat(f"{value!r} is not 8 characters and a check")
        body, check = match.groups()
        if organization_check_character(body) != check:
            raise OrganizationCodeCheck(f"{value!r} fails the GB 11714 check character")
        return cls(body + check)

    @property
    def hyphenated(self) -> str:
        return f"{self[:8]}-{self[8]}"


class CustomsDeclarationNo(str):
    """报关单号: customs office (4), year (4), flag (0 export, 1 import), sequence (9)."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, CustomsDeclarationFormat)
        if not re.fullmatch(r"[0-9]{8}[01][0-9]{9}", value):
            raise CustomsDeclarationFormat(f"{value!r} is not a declaration number")
        return cls(value)

    @property
    def customs_office(self) -> str:
        return self[:4]

    @property
    def year(self) -> int:
        return int(self[4:8])

    @property
    def is_export(self) -> bool:
        return self[8] == "0"

    @property
    def sequence(self) -> str:
        return self[9:]


def export_declaration(raw: object) -> CustomsDeclarationNo:
    """Claims list the shipments' export declarations; an import one is a typing mistake."""
    number = CustomsDeclarationNo.parse(raw)
    if not number.is_export:
        raise NotAnExportDeclaration(f"{number} is an import declaration")
    return number


# HS chapters run 01-97; chapter 77 is reserved and unused.
_HS_SHAPE = re.compile(r"(?!00|77|9[89])[0-9]{10}(?:[0-9]{3})?")


class HsCode(str):
    """海关商品编号: ten digits, or thirteen where the Single Window adds inspection digits."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, HsCodeFormat)
        if not _HS_SHAPE.fullmatch(value):
            raise HsCodeFormat(f"{value!r} is not a 10 or 13 digit HS code")
        return cls(value)

    @property
    def chapter(self) -> str:
        return self[:2]


# SWIFT assigns XK to Kosovo, which ISO 3166 leaves to user assignment.
_SWIFT_ONLY_COUNTRIES = frozenset({"XK"})


class Swift(str):
    """SWIFT/BIC of an issuing, confirming or financing bank; its country must exist."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, SwiftFormat).upper()
        try:
            value = bic.validate(value)
        except InvalidComponent:
            raise SwiftCountry(f"{value!r} names no country") from None
        except ValidationError:
            raise SwiftFormat(f"{value!r} is not a BIC") from None
        country = value[4:6]
        if country not in _SWIFT_ONLY_COUNTRIES and pycountry.countries.get(alpha_2=country) is None:
            raise SwiftCountry(f"{country!r} is not an ISO 3166 country")
        return cls(value)

    @property
    def country(self) -> str:
        return self[4:6]


_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


class Mobile(str):
    """中国大陆手机号码, kept as its 11 digits whatever spaces, dashes or +86 were typed."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, MobileFormat)
        try:
            number = phonenumbers.parse(value, "CN")
        except phonenumbers.NumberParseException:
            raise MobileFormat(f"{value!r} is not a phone number") from None
        if (number.country_code != 86 or not phonenumbers.is_valid_number(number)
                or phonenumbers.number_type(number) not in _MOBILE_TYPES):
            raise MobileFormat(f"{value!r} is not a mainland mobile number")
        return cls(phonenumbers.national_significant_number(number))

    @property
    def e164(self) -> str:
        return f"+86{self}"


class Email(str):
    """An address that can receive mail; the domain is normalised, the local part kept."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, EmailFormat)
        try:
            checked = validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise EmailFormat(str(exc)) from None
        return cls(checked.normalized)


class CountryCode(str):
    """ISO 3166-1 alpha-3, the form the code list of countries and regions answers."""

    @classmethod
    def parse(cls, raw: object) -> Self:
        value = _text(raw, CountryUnknown).upper()
        if len(value) != 3 or pycountry.countries.get(alpha_3=value) is None:
            raise CountryUnknown(f"{value!r} is not an ISO 3166 alpha-3 code")
        return cls(value)
